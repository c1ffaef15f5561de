// glibc-replay: replays an arenastress trace on this machine's glibc malloc and
// prints, per op, where the chunk landed and which non-main heaps changed (see
// Sources/Fidelity/Trace.swift for the trace format and ReplayResult.swift for the
// output). Malloc settings come from the trace's `# tunables:` comments (the program
// runs itself again with them in GLIBC_TUNABLES) unless GLIBC_REPLAY_TUNED is set,
// and then from GLIBC_TUNABLES as the caller gave it.
//
//   glibc-replay TRACE [--dump-after K]
//   glibc-replay TRACE --measure
//
// --measure (for `arenastress analyze`) replays the ops through the allocator the
// dynamic linker finds after this program, glibc's or a peer given with LD_PRELOAD,
// without the per-op output, writing a byte in every page of each block it gets (as
// the program would use it), and prints one line at the end:
// `measure OPS NANOSECONDS RSS_START RSS_PEAK RSS_FINAL ARENAS HELD IN_USE OTHER` (decimal:
// the replay's wall time; resident bytes before the first op, at most (VmHWM, the
// whole process) and after the last (VmRSS); glibc's arena count and mallinfo2's
// arena + hblkhd and uordblks + hblkhd, which say nothing of a peer; OTHER is 1 when
// the ops went to an allocator other than glibc's).
//
// Each thread of the trace is a thread here: the first is the process's main thread,
// which drives the replay; each other one is a pthread started at its first op and
// joined at its `exit`. The ops run strictly one at a time in trace order: the driver
// hands an op to its thread and waits until it is done (a futex each way), so glibc's
// decisions do not depend on scheduling. Thread stacks are mmapped and given with
// pthread_attr_setstack (static TLS lives in them); the dtv that pthread_create
// allocates goes through the interposed calloc (ld.so's malloc is the program's once
// relocated), so into pool.c. Every thread start is checked: glibc's mallinfo2 and the
// break must be the same after it as before, else glibc-replay stops (exit status 3).
//
// glibc's heap must hold the trace's chunks and nothing else, so that an offset from
// the heap's base means what it means in the model. SwiftPM links the Swift runtime
// and libstdc++ into every executable, and their initialisers allocate before main:
// pool.c defines the malloc family to serve every caller from a private pool, and the
// trace's ops call glibc through its __libc_ entry points. Nothing allocates while the
// trace runs: the trace is mapped, the slot table is mapped, output goes out with
// write(2) from a static buffer.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

// The entry points the trace's ops call: glibc's own, or (--measure) the next
// definition after this program's, a preloaded peer's if there is one.
static void *(*opMalloc)(size_t) = __libc_malloc;
static void (*opFree)(void *) = __libc_free;
static void *(*opCalloc)(size_t, size_t) = __libc_calloc;
static void *(*opRealloc)(void *, size_t) = __libc_realloc;
static void *(*opMemalign)(size_t, size_t) = __libc_memalign;
static int (*opTrim)(size_t) = malloc_trim;
static int measuring;

// Output, through one static buffer.

static char out[1 << 16];
static size_t outUsed;

static void flush(int fd) {
    size_t done = 0;
    while (done < outUsed) {
        ssize_t n = write(fd, out + done, outUsed - done);
        if (n <= 0) _exit(3);
        done += (size_t)n;
    }
    outUsed = 0;
}

static void put(const char *s) {
    size_t n = strlen(s);
    if (outUsed + n > sizeof out) flush(1);
    memcpy(out + outUsed, s, n);
    outUsed += n;
}

static void putHex(uint64_t v) {
    char digits[17];
    int i = 16;
    digits[i] = 0;
    do {
        digits[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    put(digits + i);
}

static void putDecimal(uint64_t v) {
    char digits[21];
    int i = 20;
    digits[i] = 0;
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(digits + i);
}

static _Noreturn void fail(int status, const char *a, const char *b, const char *c) {
    outUsed = 0;
    put(a);
    put(b);
    put(c);
    put("\n");
    flush(2);
    _exit(status);
}

// The trace: `arenastress-trace 2` (or 1), then one op a line (`#` comments, blank lines).

enum { OP_MALLOC, OP_CALLOC, OP_REALLOC, OP_MEMALIGN, OP_FREE, OP_TRIM, OP_EXIT };
static const struct { const char *name; int args; int hasSlot; } ops[] = {
    {"malloc", 1, 1}, {"calloc", 2, 1}, {"realloc", 1, 1}, {"memalign", 2, 1}, {"free", 0, 1}, {"trim", 1, 0},
    {"exit", 0, 0},
};
enum { MAX_SLOTS = 1 << 24, THREAD_LIMIT = 1024 };

// `thread` is the op's thread's index, in order of first appearance (0: the main thread).
struct op { int kind; uint64_t a, b, slot; uint32_t thread; };

struct cursor {
    const char *path, *p, *end, *lineStart;
    uint64_t line;
    int headerSeen, version;
};

// The thread numbers seen: open addressing on mmapped memory, grown by doubling.
struct threadEntry { uint64_t key; uint32_t index; uint32_t exited; };  // key: number + 1
static struct threadEntry *threadTable;
static uint64_t threadCapacity, threadCount, threadsAlive;

static struct threadEntry *threadSlot(struct threadEntry *table, uint64_t capacity, uint64_t key) {
    uint64_t i = (key * UINT64_C(0x9e3779b97f4a7c15)) & (capacity - 1);
    while (table[i].key && table[i].key != key) i = (i + 1) & (capacity - 1);
    return &table[i];
}

static struct threadEntry *threadEntry(uint64_t number) {
    if (2 * (threadCount + 1) > threadCapacity) {
        uint64_t capacity = threadCapacity ? 2 * threadCapacity : 1024;
        struct threadEntry *table = mmap(NULL, capacity * sizeof *table, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (table == MAP_FAILED) fail(3, "glibc-replay: cannot map the thread table", "", "");
        for (uint64_t i = 0; i < threadCapacity; i++)
            if (threadTable[i].key) *threadSlot(table, capacity, threadTable[i].key) = threadTable[i];
        if (threadTable) munmap(threadTable, threadCapacity * sizeof *table);
        threadTable = table;
        threadCapacity = capacity;
    }
    return threadSlot(threadTable, threadCapacity, number + 1);
}

static _Noreturn void badInput(struct cursor *c, const char *at, const char *message) {
    outUsed = 0;
    put(c->path);
    put(":");
    putDecimal(c->line);
    put(":");
    putDecimal((uint64_t)(at - c->lineStart) + 1);
    put(": ");
    put(message);
    put("\n");
    flush(2);
    _exit(2);
}

static int isBlank(char ch) { return ch == ' ' || ch == '\t'; }

static void skipBlanks(struct cursor *c) {
    while (c->p < c->end && isBlank(*c->p)) c->p++;
}

static int atLineEnd(struct cursor *c) { return c->p >= c->end || *c->p == '\n'; }

static uint64_t number(struct cursor *c, const char *what) {
    skipBlanks(c);
    const char *start = c->p;
    if (atLineEnd(c)) badInput(c, start, what);
    uint64_t v = 0;
    while (c->p < c->end && !isBlank(*c->p) && *c->p != '\n') {
        char ch = *c->p;
        if (ch < '0' || ch > '9') badInput(c, start, "expected a decimal number");
        if (v > (UINT64_C(0x7fffffffffffffff) - (uint64_t)(ch - '0')) / 10) badInput(c, start, "number too large");
        v = v * 10 + (uint64_t)(ch - '0');
        c->p++;
    }
    return v;
}

// The next op into `op`: 1, or 0 at the end of the trace. The first pass validates
// (and numbers the threads); the second finds each op's thread by its number.
static int validating = 1;

// `# tunables: NAME=VALUE ...` comments, as GLIBC_TUNABLES (glibc.malloc.NAME=VALUE:...),
// in the order written, so that the last setting of a name wins, as in the model.
static char tunables[1 << 14] = "GLIBC_TUNABLES=";
static size_t tunablesUsed = sizeof "GLIBC_TUNABLES=" - 1;
static const char *const tunableNames[] = {
    "arena_max", "arena_test", "tcache_count", "tcache_max", "mmap_threshold", "trim_threshold", "top_pad", "mxfast", "perturb",
};

static void tunablesComment(struct cursor *c) {
    static const char prefix[] = "tunables:";
    const char *p = c->p + 1;
    if (p < c->end && *p == ' ') p++;
    if ((size_t)(c->end - p) < sizeof prefix - 1 || memcmp(p, prefix, sizeof prefix - 1) != 0) return;
    c->p = p + sizeof prefix - 1;
    for (;;) {
        skipBlanks(c);
        if (atLineEnd(c)) return;
        const char *start = c->p, *equals = NULL;
        while (!atLineEnd(c) && !isBlank(*c->p)) {
            if (*c->p == '=' && !equals) equals = c->p;
            c->p++;
        }
        if (c->p - start == 7 && memcmp(start, "default", 7) == 0) continue;
        if (!equals) badInput(c, start, "expected NAME=VALUE");
        int known = 0;
        for (size_t i = 0; i < sizeof tunableNames / sizeof tunableNames[0]; i++)
            if (strlen(tunableNames[i]) == (size_t)(equals - start) && memcmp(tunableNames[i], start, (size_t)(equals - start)) == 0) known = 1;
        if (!known) badInput(c, start, "unknown tunable");
        const char *end = c->p;
        c->p = equals + 1;
        if (c->p == end) badInput(c, c->p, "expected a decimal number");
        for (const char *d = c->p; d < end; d++)
            if (*d < '0' || *d > '9') badInput(c, c->p, "expected a decimal number");
        c->p = end;
        static const char glibcPrefix[] = "glibc.malloc.";
        size_t n = (size_t)(end - start);
        if (tunablesUsed + 1 + sizeof glibcPrefix + n >= sizeof tunables) badInput(c, start, "too many tunables");
        if (tunables[tunablesUsed - 1] != '=') tunables[tunablesUsed++] = ':';
        memcpy(tunables + tunablesUsed, glibcPrefix, sizeof glibcPrefix - 1);
        tunablesUsed += sizeof glibcPrefix - 1;
        memcpy(tunables + tunablesUsed, start, n);
        tunablesUsed += n;
    }
}

// glibc reads GLIBC_TUNABLES when the process starts: a trace that sets tunables is
// replayed by this program run again with them, unless its caller set them already
// (GLIBC_REPLAY_TUNED, as GlibcReplayer does with the trace's and its overrides).
extern char **environ;

static void applyTunables(char **argv) {
    if (tunablesUsed == sizeof "GLIBC_TUNABLES=" - 1 || getenv("GLIBC_REPLAY_TUNED")) return;
    static char *environment[1 << 12];
    size_t n = 0;
    for (char **e = environ; *e && n + 3 < sizeof environment / sizeof environment[0]; e++)
        if (strncmp(*e, "GLIBC_TUNABLES=", 15) != 0) environment[n++] = *e;
    environment[n++] = tunables;
    environment[n++] = "GLIBC_REPLAY_TUNED=1";
    environment[n] = NULL;
    execve("/proc/self/exe", argv, environment);
    fail(3, "glibc-replay: cannot run again with the trace's tunables", "", "");
}

static int nextOp(struct cursor *c, struct op *op) {
    for (;;) {
        if (c->p >= c->end) {
            if (c->line == 0) c->line = 1;
            if (!c->headerSeen) badInput(c, c->p, "not a trace: expected `arenastress-trace 2`");
            return 0;
        }
        c->line++;
        c->lineStart = c->p;
        skipBlanks(c);
        if (atLineEnd(c) || *c->p == '#') {
            if (validating && !atLineEnd(c)) tunablesComment(c);
            while (!atLineEnd(c)) c->p++;
            if (c->p < c->end) c->p++;
            continue;
        }
        if (!c->headerSeen) {
            static const char header[] = "arenastress-trace ";
            size_t n = sizeof header - 1;
            if ((size_t)(c->end - c->p) <= n || memcmp(c->p, header, n) != 0 || (c->p[n] != '2' && c->p[n] != '1'))
                badInput(c, c->p, "not a trace: expected `arenastress-trace 2`");
            c->version = c->p[n] - '0';
            c->p += n + 1;
            skipBlanks(c);
            if (!atLineEnd(c)) badInput(c, c->p, "unexpected text after the header");
            if (c->p < c->end) c->p++;
            c->headerSeen = 1;
            continue;
        }
        const char *threadAt = c->p;
        uint64_t thread = number(c, "expected a thread number");
        struct threadEntry *t = threadEntry(thread);
        if (!t->key) {
            if (threadsAlive == THREAD_LIMIT) badInput(c, threadAt, "more than 1024 threads alive at once");
            t->key = thread + 1;
            t->index = (uint32_t)threadCount++;
            threadsAlive++;
        } else if (validating && t->exited) {
            badInput(c, threadAt, "the thread has exited");
        }
        op->thread = t->index;
        skipBlanks(c);
        const char *nameAt = c->p;
        while (c->p < c->end && !isBlank(*c->p) && *c->p != '\n') c->p++;
        size_t nameLength = (size_t)(c->p - nameAt);
        op->kind = -1;
        for (int i = 0; i < (int)(sizeof ops / sizeof ops[0]); i++) {
            if (strlen(ops[i].name) == nameLength && memcmp(ops[i].name, nameAt, nameLength) == 0) op->kind = i;
        }
        if (op->kind < 0) badInput(c, nameAt, nameLength ? "unknown op" : "expected an op");
        if (op->kind == OP_EXIT && validating) {
            if (c->version < 2) badInput(c, nameAt, "`exit` needs a version-2 trace");
            if (t->index == 0) badInput(c, threadAt, "the main thread (the trace's first) cannot exit");
            t->exited = 1;
            threadsAlive--;
        }
        op->a = ops[op->kind].args > 0 ? number(c, "missing argument") : 0;
        op->b = ops[op->kind].args > 1 ? number(c, "missing argument") : 0;
        op->slot = 0;
        if (ops[op->kind].hasSlot) {
            skipBlanks(c);
            const char *slotAt = c->p;
            op->slot = number(c, "missing slot");
            if (op->slot >= MAX_SLOTS) badInput(c, slotAt, "slot out of range");
        }
        skipBlanks(c);
        if (!atLineEnd(c)) badInput(c, c->p, "unexpected text after the op");
        if (c->p < c->end) c->p++;
        return 1;
    }
}

// One line of output per op: `p OFFSET HEAD BRK` (a chunk in the main heap),
// `q ARENA HEAP OFFSET HEAD BRK` (a chunk in a non-main heap), `m HEAD BRK` (an
// mmapped chunk), `n BRK` (null), `f BRK` (free), `t RESULT BRK` (trim), `e BRK`
// (thread exit); then `h ARENA HEAP SIZE` for each non-main heap whose size changed
// (0: deleted). Numbers in hex; offsets and BRK (the break) from the main heap's base.

enum {
    ARENA_FASTBINS = 0x10, ARENA_TOP = 0x60, ARENA_LAST_REMAINDER = 0x68, ARENA_BINS = 0x70,
    ARENA_BINMAP = 0x860, ARENA_NEXT = 0x870, ARENA_SYSTEM_MEM = 0x888, ARENA_SIZE = 0x898,
    NFASTBINS = 10, NBINS = 128, TCACHE_BINS = 64, TCACHE_ENTRIES = 0x80, TCACHE_CHUNK_HEAD = 0x291,
    LIST_LIMIT = 1 << 20, HEAP_PREV = 8, HEAP_SIZE = 0x10, RING_LIMIT = 1 << 16,
};
#define HEAP_MAX_SIZE (UINT64_C(64) << 20)

static char *heapBase, *mainArena;

static uint64_t word(const char *p) { return *(const uint64_t *)p; }

static void putSpaceHex(uint64_t v) {
    put(" ");
    putHex(v);
}

static void putBreak(void) {
    putSpaceHex((uint64_t)((char *)sbrk(0) - heapBase));
    put("\n");
}

// glibc's arena ring from main_arena's `next`, newest first: arena number n - k for
// position k (the main arena is 0).
static char *ring[RING_LIMIT];

static uint64_t loadRing(void) {
    uint64_t n = 0;
    for (char *a = (char *)word(mainArena + ARENA_NEXT); a != mainArena && a && n < RING_LIMIT; a = (char *)word(a + ARENA_NEXT))
        ring[n++] = a;
    return n;
}

static uint64_t heapDepth(uint64_t heap) {
    uint64_t depth = 0;
    for (uint64_t h = word((char *)heap + HEAP_PREV); h && depth < RING_LIMIT; h = word((char *)h + HEAP_PREV)) depth++;
    return depth;
}

static void putPointer(void *mem) {
    if (!mem) {
        put("n");
    } else {
        size_t head = ((size_t *)mem)[-1];
        uint64_t chunk = (uint64_t)mem - 16;
        if (head & 2) {
            put("m");
        } else if (head & 4) {
            uint64_t heap = chunk & ~(HEAP_MAX_SIZE - 1), n = loadRing(), k = 0;
            while (k < n && ring[k] != (char *)word((char *)heap)) k++;
            put("q");
            putSpaceHex(n - k);
            putSpaceHex(heapDepth(heap));
            putSpaceHex(chunk - heap);
        } else {
            put("p");
            putSpaceHex(chunk - (uint64_t)heapBase);
        }
        putSpaceHex(head);
    }
    putBreak();
}

// Every non-main heap's size after the last op, by arena then heap: `h` lines for
// those that changed since the op before.
struct heapSize { uint32_t arena, heap; uint64_t size; };
enum { HEAP_RECORDS = 1 << 16 };
static struct heapSize heapSizes[2][HEAP_RECORDS];
static uint64_t heapCounts[2];
static int heapCurrent;

static void putHeapChanges(void) {
    if (word(mainArena + ARENA_NEXT) == (uint64_t)mainArena) return;
    struct heapSize *now = heapSizes[!heapCurrent], *before = heapSizes[heapCurrent];
    uint64_t count = 0, n = loadRing(), beforeCount = heapCounts[heapCurrent];
    static uint64_t chain[RING_LIMIT];
    for (uint64_t k = n; k-- > 0;) {
        uint64_t depth = 0;
        for (uint64_t h = word(ring[k] + ARENA_TOP) & ~(HEAP_MAX_SIZE - 1); h && depth < RING_LIMIT; h = word((char *)h + HEAP_PREV))
            chain[depth++] = h;
        for (uint64_t d = depth; d-- > 0 && count < HEAP_RECORDS;) {
            now[count].arena = (uint32_t)(n - k);
            now[count].heap = (uint32_t)(depth - 1 - d);
            now[count].size = word((char *)chain[d] + HEAP_SIZE);
            count++;
        }
    }
    // Both lists are sorted by arena, then heap: merge them.
    uint64_t i = 0, j = 0;
    while (i < beforeCount || j < count) {
        int cmp;
        if (i == beforeCount) cmp = 1;
        else if (j == count) cmp = -1;
        else if (before[i].arena != now[j].arena) cmp = before[i].arena < now[j].arena ? -1 : 1;
        else cmp = before[i].heap < now[j].heap ? -1 : before[i].heap > now[j].heap ? 1 : 0;
        const struct heapSize *r = cmp <= 0 ? &before[i] : &now[j];
        uint64_t size = cmp < 0 ? 0 : now[j].size;
        if (cmp != 0 || before[i].size != now[j].size) {
            put("h");
            putSpaceHex(r->arena);
            putSpaceHex(r->heap);
            putSpaceHex(size);
            put("\n");
        }
        if (cmp <= 0) i++;
        if (cmp >= 0) j++;
    }
    heapCounts[!heapCurrent] = count;
    heapCurrent = !heapCurrent;
}

// An op, made on the thread it runs on; its result is reported by the driver.
struct outcome { void *p; int trimmed; };

// One byte written in every page of a block of `bytes` bytes at `p` (of its first
// 64 MiB: a request the kernel overcommits is not made resident whole; as the model's replay).
static void touch(void *p, uint64_t bytes) {
    if (bytes > (UINT64_C(64) << 20)) bytes = UINT64_C(64) << 20;
    for (uint64_t at = 0; at < bytes; at += 4096) ((volatile char *)p)[at] = 1;
    if (bytes) ((volatile char *)p)[bytes - 1] = 1;
}

static void execute(const struct op *op, void **slots, struct outcome *o) {
    void **slot = &slots[op->slot];
    void *p = NULL;
    switch (op->kind) {
    case OP_MALLOC:
        *slot = p = opMalloc(op->a);
        break;
    case OP_CALLOC:
        *slot = p = opCalloc(op->a, op->b);
        break;
    case OP_REALLOC:
        p = opRealloc(*slot, op->a);
        // A failed realloc leaves the block where it was; realloc (p, 0) frees it.
        if (p || (op->a == 0 && *slot)) *slot = p;
        break;
    case OP_MEMALIGN:
        *slot = p = opMemalign(op->a, op->b);
        break;
    case OP_FREE:
        opFree(*slot);
        *slot = NULL;
        break;
    case OP_TRIM:
        o->trimmed = opTrim(op->a);
        break;
    }
    o->p = p;
    // --measure: the program uses its blocks; their pages are resident as in the program.
    if (measuring && p) touch(p, op->kind == OP_MEMALIGN ? op->b : op->kind == OP_CALLOC ? op->a * op->b : op->a);
}

static void report(const struct op *op, const struct outcome *o) {
    switch (op->kind) {
    case OP_FREE:
        put("f");
        putBreak();
        break;
    case OP_TRIM:
        put(o->trimmed ? "t 1" : "t 0");
        putBreak();
        break;
    case OP_EXIT:
        put("e");
        putBreak();
        break;
    default:
        putPointer(o->p);
    }
    putHeapChanges();
}

// The trace's threads but the first: one pthread each, handed one op at a time.

struct worker {
    pthread_t thread;
    char *stack;
    int started;
    uint32_t go, done;  // futex words: the driver posts `go`, the worker `done`
    int exiting;
    struct op op;
    void **slots;
    struct outcome outcome;
};
enum { STACK_SIZE = 1 << 20 };
static struct worker *workers;

static void await(uint32_t *word) {
    while (!__atomic_load_n(word, __ATOMIC_ACQUIRE)) syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    __atomic_store_n(word, 0, __ATOMIC_RELAXED);
}

static void post(uint32_t *word) {
    __atomic_store_n(word, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *workerMain(void *argument) {
    struct worker *w = argument;
    post(&w->done);  // started
    for (;;) {
        await(&w->go);
        // Returning runs glibc's thread exit: tcache_thread_shutdown, arena_thread_freeres.
        if (w->exiting) return NULL;
        execute(&w->op, w->slots, &w->outcome);
        post(&w->done);
    }
}

static void startWorker(struct worker *w, void **slots) {
    struct mallinfo2 before = mallinfo2();
    void *brkBefore = sbrk(0);
    w->stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (w->stack == MAP_FAILED) fail(3, "glibc-replay: cannot map a thread's stack", "", "");
    w->slots = slots;
    pthread_attr_t attributes;
    if (pthread_attr_init(&attributes) != 0 || pthread_attr_setstack(&attributes, w->stack, STACK_SIZE) != 0 ||
        pthread_create(&w->thread, &attributes, workerMain, w) != 0)
        fail(3, "glibc-replay: cannot start a thread", "", "");
    pthread_attr_destroy(&attributes);
    await(&w->done);
    w->started = 1;
    struct mallinfo2 after = mallinfo2();
    if (memcmp(&before, &after, sizeof before) != 0 || sbrk(0) != brkBefore)
        fail(3, "glibc-replay: starting a thread touched glibc's heap", "", "");
}

static void endWorker(struct worker *w) {
    w->exiting = 1;
    post(&w->go);
    if (pthread_join(w->thread, NULL) != 0) fail(3, "glibc-replay: cannot join a thread", "", "");
    munmap(w->stack, STACK_SIZE);
    w->started = 0;
}

static void run(const struct op *op, void **slots) {
    struct outcome o = {NULL, 0};
    if (op->thread == 0) {
        execute(op, slots, &o);
    } else {
        struct worker *w = &workers[op->thread];
        if (op->kind == OP_EXIT) {
            if (w->started) endWorker(w);
        } else {
            if (!w->started) startWorker(w, slots);
            w->op = *op;
            post(&w->go);
            await(&w->done);
            o = w->outcome;
        }
    }
    if (!measuring) report(op, &o);
}

// The bins after the op `--dump-after` names, found in glibc's own memory.

struct found { char *arena, *tcache; };

static int inHeap(uint64_t address) {
    return address >= (uint64_t)heapBase && address < (uint64_t)sbrk(0);
}

// main_arena, looked for before the first op (and the first thread), is the
// malloc_state whose `next` is itself (one arena), whose system_mem is 0 and whose top
// is its initial top; `tcache` (looked for at a dump) is the pointer in the calling
// thread's TLS block of an object to a 0x290 chunk of the main heap (nothing else in
// libc points into a heap that holds only the trace's chunks).
static int findState(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct found *f = data;
    if (f->arena) {
        if (!info->dlpi_tls_data) return 0;
        for (int i = 0; i < info->dlpi_phnum; i++) {
            const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
            if (ph->p_type != PT_TLS) continue;
            char *tls = info->dlpi_tls_data;
            for (size_t o = 0; o + 8 <= ph->p_memsz; o += 8) {
                uint64_t v = word(tls + o);
                if (v % 16 == 0 && inHeap(v - 16) && word((char *)v - 8) == TCACHE_CHUNK_HEAD) f->tcache = (char *)v;
            }
        }
        return f->tcache != NULL;
    }
    uint64_t heapSize = 0;
    char *arena = NULL;
    for (int i = 0; i < info->dlpi_phnum && !arena; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W)) continue;
        char *start = (char *)(info->dlpi_addr + ph->p_vaddr), *end = start + ph->p_memsz;
        for (char *a = (char *)(((uintptr_t)start + 7) & ~(uintptr_t)7); a + ARENA_SIZE <= end && !arena; a += 8) {
            uint64_t top = word(a + ARENA_TOP);
            if (word(a + ARENA_NEXT) == (uint64_t)a && word(a + ARENA_SYSTEM_MEM) == heapSize &&
                (inHeap(top) || (heapSize == 0 && top == (uint64_t)(a + ARENA_TOP))))
                arena = a;
        }
    }
    if (!arena) return 0;
    f->arena = arena;
    return 1;
}

// Where an address is: in the main heap, or in a non-main heap of an arena of the ring
// (its number, the heap's index in its arena); 0 if in neither.
static int locate(uint64_t address, uint64_t *arena, uint64_t *heap, uint64_t *offset, int inclusive) {
    if (address >= (uint64_t)heapBase && (inclusive ? address <= (uint64_t)sbrk(0) : address < (uint64_t)sbrk(0))) {
        *arena = 0;
        *offset = address - (uint64_t)heapBase;
        return 1;
    }
    uint64_t h = address & ~(HEAP_MAX_SIZE - 1), n = loadRing();
    if (!h) return 0;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t found = 0, steps = 0;
        for (uint64_t x = word(ring[k] + ARENA_TOP) & ~(HEAP_MAX_SIZE - 1); x && !found && steps < RING_LIMIT; x = word((char *)x + HEAP_PREV), steps++)
            found = x == h;
        if (!found) continue;
        uint64_t older = heapDepth(h);
        uint64_t size = word((char *)h + HEAP_SIZE), o = address - h;
        if (inclusive ? o > size : o >= size) return 0;
        *arena = n - k;
        *heap = older;
        *offset = o;
        return 1;
    }
    return 0;
}

static int known(uint64_t address) {
    uint64_t a, h, o;
    return locate(address, &a, &h, &o, 0);
}

static void putOffset(uint64_t address) {
    uint64_t a, h, o;
    put(" ");
    if (!locate(address, &a, &h, &o, 1)) {
        put(address ? "x" : "-");
    } else if (a == 0) {
        putHex(o);
    } else {
        putHex(a);
        put("/");
        putHex(h);
        put("/");
        putHex(o);
    }
}

static uint64_t reveal(const char *field) { return ((uint64_t)field >> 12) ^ word(field); }

// `dump` lines (see BinSnapshot.swift): for each arena (the main one, then the others in
// creation order, labelled `aK `), top, last remainder, system_mem, binmap, each
// non-empty fastbin and bin; then the main thread's tcache bins, first chunk first.
static void dumpArena(char *av, uint64_t number) {
    char prefix[24] = "";
    if (number) {
        char digits[21];
        int i = 20;
        digits[i] = 0;
        uint64_t v = number;
        do {
            digits[--i] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        prefix[0] = 'a';
        strcpy(prefix + 1, digits + i);
        strcat(prefix, " ");
    }
    put("dump ");
    put(prefix);
    put("top");
    putOffset(word(av + ARENA_TOP));
    put(" ");
    putHex(known(word(av + ARENA_TOP)) ? word((char *)word(av + ARENA_TOP) + 8) & ~(uint64_t)7 : 0);
    put("\ndump ");
    put(prefix);
    put("remainder");
    putOffset(word(av + ARENA_LAST_REMAINDER));
    put("\ndump ");
    put(prefix);
    put("system_mem ");
    putHex(word(av + ARENA_SYSTEM_MEM));
    put("\ndump ");
    put(prefix);
    put("binmap");
    for (int i = 0; i < 4; i++) {
        put(" ");
        putHex(((const uint32_t *)(av + ARENA_BINMAP))[i]);
    }
    put("\n");
    for (int i = 0; i < NFASTBINS; i++) {
        uint64_t c = word(av + ARENA_FASTBINS + 8 * i);
        if (!c) continue;
        put("dump ");
        put(prefix);
        put("fast ");
        putDecimal((uint64_t)i);
        for (int n = 0; c && known(c) && n < LIST_LIMIT; n++) {
            putOffset(c);
            c = reveal((char *)c + 16);
        }
        if (c) putOffset(c);
        put("\n");
    }
    for (int i = 1; i < NBINS; i++) {
        char *header = av + ARENA_BINS + (i - 1) * 16 - 16;
        uint64_t c = word(header + 16);
        if (c == (uint64_t)header) continue;
        put("dump ");
        put(prefix);
        put("bin ");
        putDecimal((uint64_t)i);
        for (int n = 0; c != (uint64_t)header && known(c) && n < LIST_LIMIT; n++) {
            putOffset(c);
            put(":");
            putHex(word((char *)c + 8) & ~(uint64_t)7);
            c = word((char *)c + 16);
        }
        if (c != (uint64_t)header) putOffset(c);
        put("\n");
    }
}

static void dump(void) {
    struct found f = {mainArena, NULL};
    dl_iterate_phdr(findState, &f);
    dumpArena(mainArena, 0);
    uint64_t n = loadRing();
    static char *arenas[RING_LIMIT];
    for (uint64_t k = 0; k < n; k++) arenas[k] = ring[k];
    for (uint64_t k = n; k-- > 0;) dumpArena(arenas[k], n - k);
    if (!f.tcache) {
        put("dump tcache none\n");
        return;
    }
    put("dump tcache at");
    putOffset((uint64_t)f.tcache - 16);
    put("\n");
    for (int i = 0; i < TCACHE_BINS; i++) {
        unsigned count = ((const uint16_t *)f.tcache)[i];
        uint64_t e = word(f.tcache + TCACHE_ENTRIES + 8 * i);
        if (!count && !e) continue;
        put("dump tcache ");
        putDecimal((uint64_t)i);
        put(" ");
        putDecimal(count);
        for (int n = 0; e && known(e) && n < LIST_LIMIT; n++) {
            putOffset(e - 16);
            e = reveal((char *)e);
        }
        if (e) putOffset(e);
        put("\n");
    }
}

// --measure's figures.

// The value in kB of the line of /proc/self/status that starts with `key`, in bytes.
static uint64_t statusBytes(const char *key) {
    static char text[1 << 14];
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0) return 0;
    ssize_t n = 0, r;
    while (n < (ssize_t)sizeof text - 1 && (r = read(fd, text + n, sizeof text - 1 - (size_t)n)) > 0) n += r;
    close(fd);
    text[n > 0 ? n : 0] = 0;
    size_t length = strlen(key);
    for (const char *line = text; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line)) {
        if (strncmp(line, key, length) != 0) continue;
        const char *p = line + length;
        while (*p == ' ' || *p == '\t') p++;
        uint64_t kb = 0;
        for (; *p >= '0' && *p <= '9'; p++) kb = kb * 10 + (uint64_t)(*p - '0');
        return kb * 1024;
    }
    return 0;
}

static uint64_t residentBytes(void) { return statusBytes("VmRSS:"); }

static void resolveNext(void) {
    void *f;
    if ((f = dlsym(RTLD_NEXT, "malloc"))) opMalloc = (void *(*)(size_t))f;
    if ((f = dlsym(RTLD_NEXT, "free"))) opFree = (void (*)(void *))f;
    if ((f = dlsym(RTLD_NEXT, "calloc"))) opCalloc = (void *(*)(size_t, size_t))f;
    if ((f = dlsym(RTLD_NEXT, "realloc"))) opRealloc = (void *(*)(void *, size_t))f;
    if ((f = dlsym(RTLD_NEXT, "memalign"))) opMemalign = (void *(*)(size_t, size_t))f;
    if ((f = dlsym(RTLD_NEXT, "malloc_trim"))) opTrim = (int (*)(size_t))f;
}

static uint64_t nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

// libc's own malloc (a preloaded peer may define __libc_malloc too).
static void *libcMalloc(void) {
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    return libc ? dlsym(libc, "malloc") : (void *)__libc_malloc;
}

static void putMeasure(uint64_t ops, uint64_t elapsed, uint64_t rssStart) {
    struct mallinfo2 m = mallinfo2();
    // VmHWM, not ru_maxrss: a child spawned with vfork keeps its parent's ru_maxrss across exec.
    uint64_t figures[] = {ops, elapsed, rssStart, statusBytes("VmHWM:"), residentBytes(), 1 + loadRing(),
                          m.arena + m.hblkhd, m.uordblks + m.hblkhd, (void *)opMalloc != libcMalloc()};
    put("measure");
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        put(" ");
        putDecimal(figures[i]);
    }
    put("\n");
}

static uint64_t argument(const char *s) {
    uint64_t v = 0;
    if (!*s) fail(2, "glibc-replay: --dump-after needs an op index", "", "");
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > UINT64_MAX / 10 - 1) fail(2, "glibc-replay: bad op index: ", s, "");
        v = v * 10 + (uint64_t)(*s - '0');
    }
    return v;
}

int main(int argc, char **argv) {
    int dumping = argc == 4 && strcmp(argv[2], "--dump-after") == 0;
    measuring = argc == 3 && strcmp(argv[2], "--measure") == 0;
    if (argc != 2 && !dumping && !measuring) fail(2, "usage: glibc-replay TRACE [--dump-after K | --measure]", "", "");
    uint64_t dumpAfter = dumping ? argument(argv[3]) : 0;

    struct mallinfo2 before = mallinfo2();
    if (before.arena != 0 || before.hblkhd != 0)
        fail(3, "glibc-replay: glibc's heap is not fresh: something allocated before the trace", "", "");
    // The model's heap starts on a page: so must glibc's break.
    heapBase = sbrk(0);
    size_t misalign = (uintptr_t)heapBase & 4095;
    if (misalign) {
        sbrk((intptr_t)(4096 - misalign));
        heapBase = sbrk(0);
    }
    struct found f = {NULL, NULL};
    dl_iterate_phdr(findState, &f);
    if (!f.arena) fail(3, "glibc-replay: main_arena not found", "", "");
    mainArena = f.arena;

    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) fail(2, argv[1], ": cannot read the trace", "");
    const char *text = "";
    if (st.st_size > 0) {
        text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (text == MAP_FAILED) fail(2, argv[1], ": cannot map the trace", "");
    }
    close(fd);

    // The whole trace is checked before its first op runs.
    struct cursor c = {argv[1], text, text + st.st_size, text, 0, 0, 0};
    struct op op;
    uint64_t slotCount = 1;
    while (nextOp(&c, &op)) {
        if (op.slot + 1 > slotCount) slotCount = op.slot + 1;
    }
    void **slots = mmap(NULL, slotCount * sizeof(void *), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (slots == MAP_FAILED) fail(3, "glibc-replay: cannot map the slot table", "", "");
    applyTunables(argv);
    workers = mmap(NULL, (threadCount + 1) * sizeof *workers, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (workers == MAP_FAILED) fail(3, "glibc-replay: cannot map the thread table", "", "");

    validating = 0;
    if (measuring) resolveNext();
    uint64_t rssStart = measuring ? residentBytes() : 0, started = measuring ? nanoseconds() : 0, i = 0;
    struct cursor r = {argv[1], text, text + st.st_size, text, 0, 0, 0};
    for (; nextOp(&r, &op); i++) {
        run(&op, slots);
        if (dumping && i == dumpAfter) {
            dump();
            break;
        }
    }
    if (measuring) putMeasure(i, nanoseconds() - started, rssStart);
    flush(1);
    return 0;
}
