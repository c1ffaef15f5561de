// glibc-replay: replays a single-threaded arenastress trace on this machine's glibc
// malloc and prints, per op, where the chunk landed (see Sources/Fidelity/Trace.swift
// for the trace format and ReplayResult.swift for the output).
//
//   glibc-replay TRACE [--dump-after K]
//
// glibc's heap must hold the trace's chunks and nothing else, so that an offset from
// the heap's base means what it means in the model. SwiftPM links the Swift runtime
// and libstdc++ into every executable, and their initialisers allocate before main:
// pool.c defines the malloc family to serve every caller from a private pool, and the
// trace's ops call glibc through its __libc_ entry points. Nothing allocates while the
// trace runs: the trace is mapped, the slot table is mapped, output goes out with
// write(2) from a static buffer.
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

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

// The trace: `arenastress-trace 1`, then one op a line (`#` comments, blank lines).

enum { OP_MALLOC, OP_CALLOC, OP_REALLOC, OP_MEMALIGN, OP_FREE, OP_TRIM };
static const struct { const char *name; int args; int hasSlot; } ops[] = {
    {"malloc", 1, 1}, {"calloc", 2, 1}, {"realloc", 1, 1}, {"memalign", 2, 1}, {"free", 0, 1}, {"trim", 1, 0},
};
enum { MAX_SLOTS = 1 << 24 };

struct op { int kind; uint64_t a, b, slot; };

struct cursor {
    const char *path, *p, *end, *lineStart;
    uint64_t line;
    int headerSeen;
    uint64_t thread;
    int threadSeen;
};

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

// The next op into `op`: 1, or 0 at the end of the trace.
static int nextOp(struct cursor *c, struct op *op) {
    for (;;) {
        if (c->p >= c->end) {
            if (c->line == 0) c->line = 1;
            if (!c->headerSeen) badInput(c, c->p, "not a trace: expected `arenastress-trace 1`");
            return 0;
        }
        c->line++;
        c->lineStart = c->p;
        skipBlanks(c);
        if (atLineEnd(c) || *c->p == '#') {
            while (!atLineEnd(c)) c->p++;
            if (c->p < c->end) c->p++;
            continue;
        }
        if (!c->headerSeen) {
            static const char header[] = "arenastress-trace 1";
            size_t n = sizeof header - 1;
            if ((size_t)(c->end - c->p) < n || memcmp(c->p, header, n) != 0)
                badInput(c, c->p, "not a trace: expected `arenastress-trace 1`");
            c->p += n;
            skipBlanks(c);
            if (!atLineEnd(c)) badInput(c, c->p, "unexpected text after the header");
            if (c->p < c->end) c->p++;
            c->headerSeen = 1;
            continue;
        }
        const char *threadAt = c->p;
        uint64_t thread = number(c, "expected a thread number");
        if (c->threadSeen && thread != c->thread)
            badInput(c, threadAt, "glibc-replay replays single-threaded traces only");
        c->thread = thread;
        c->threadSeen = 1;
        skipBlanks(c);
        const char *nameAt = c->p;
        while (c->p < c->end && !isBlank(*c->p) && *c->p != '\n') c->p++;
        size_t nameLength = (size_t)(c->p - nameAt);
        op->kind = -1;
        for (int i = 0; i < (int)(sizeof ops / sizeof ops[0]); i++) {
            if (strlen(ops[i].name) == nameLength && memcmp(ops[i].name, nameAt, nameLength) == 0) op->kind = i;
        }
        if (op->kind < 0) badInput(c, nameAt, nameLength ? "unknown op" : "expected an op");
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

// One line of output per op: `p OFFSET HEAD BRK` (a chunk in the heap), `m HEAD BRK`
// (an mmapped chunk), `n BRK` (null), `f BRK` (free), `t RESULT BRK` (trim); numbers
// in hex, offsets and BRK (the break) from the heap's base.

static char *heapBase;

static void putBreak(void) {
    put(" ");
    putHex((uint64_t)((char *)sbrk(0) - heapBase));
    put("\n");
}

static void putPointer(void *mem) {
    if (!mem) {
        put("n");
    } else {
        size_t head = ((size_t *)mem)[-1];
        if (head & 2) {
            put("m ");
        } else {
            put("p ");
            putHex((uint64_t)((char *)mem - 16 - heapBase));
            put(" ");
        }
        putHex(head);
    }
    putBreak();
}

static void run(const struct op *op, void **slots) {
    void **slot = &slots[op->slot];
    void *p;
    switch (op->kind) {
    case OP_MALLOC:
        *slot = p = __libc_malloc(op->a);
        putPointer(p);
        break;
    case OP_CALLOC:
        *slot = p = __libc_calloc(op->a, op->b);
        putPointer(p);
        break;
    case OP_REALLOC:
        p = __libc_realloc(*slot, op->a);
        // A failed realloc leaves the block where it was; realloc (p, 0) frees it.
        if (p || (op->a == 0 && *slot)) *slot = p;
        putPointer(p);
        break;
    case OP_MEMALIGN:
        *slot = p = __libc_memalign(op->a, op->b);
        putPointer(p);
        break;
    case OP_FREE:
        __libc_free(*slot);
        *slot = NULL;
        put("f");
        putBreak();
        break;
    case OP_TRIM:
        put(malloc_trim(op->a) ? "t 1" : "t 0");
        putBreak();
        break;
    }
}

// The bins after the op `--dump-after` names, found in glibc's own memory.

enum {
    ARENA_FASTBINS = 0x10, ARENA_TOP = 0x60, ARENA_LAST_REMAINDER = 0x68, ARENA_BINS = 0x70,
    ARENA_BINMAP = 0x860, ARENA_NEXT = 0x870, ARENA_SYSTEM_MEM = 0x888, ARENA_SIZE = 0x898,
    NFASTBINS = 10, NBINS = 128, TCACHE_BINS = 64, TCACHE_ENTRIES = 0x80, TCACHE_CHUNK_HEAD = 0x291,
    LIST_LIMIT = 1 << 20,
};

struct found { char *arena, *tcache; };

static uint64_t word(const char *p) { return *(const uint64_t *)p; }

static int inHeap(uint64_t address) {
    return address >= (uint64_t)heapBase && address < (uint64_t)sbrk(0);
}

// main_arena is the malloc_state whose `next` is itself (one arena), whose system_mem
// is the heap's size and whose top lies in the heap (or is its initial top); `tcache`
// is the pointer in the same object's TLS block to a 0x290 chunk of the heap (nothing
// else in libc points into a heap that holds only the trace's chunks).
static int findState(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct found *f = data;
    uint64_t heapSize = (uint64_t)((char *)sbrk(0) - heapBase);
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
    if (info->dlpi_tls_data) {
        for (int i = 0; i < info->dlpi_phnum; i++) {
            const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
            if (ph->p_type != PT_TLS) continue;
            char *tls = info->dlpi_tls_data;
            for (size_t o = 0; o + 8 <= ph->p_memsz; o += 8) {
                uint64_t v = word(tls + o);
                if (v % 16 == 0 && inHeap(v - 16) && word((char *)v - 8) == TCACHE_CHUNK_HEAD) f->tcache = (char *)v;
            }
        }
    }
    return 1;
}

static void putOffset(uint64_t address) {
    put(" ");
    if (address >= (uint64_t)heapBase && address <= (uint64_t)sbrk(0)) putHex(address - (uint64_t)heapBase);
    else put(address ? "x" : "-");
}

static uint64_t reveal(const char *field) { return ((uint64_t)field >> 12) ^ word(field); }

// `dump` lines (see BinSnapshot.swift): top, last remainder, system_mem, binmap, then
// each non-empty fastbin, bin and tcache bin, first chunk first.
static void dump(void) {
    struct found f = {NULL, NULL};
    dl_iterate_phdr(findState, &f);
    if (!f.arena) fail(3, "glibc-replay: main_arena not found", "", "");
    char *av = f.arena;
    put("dump top");
    putOffset(word(av + ARENA_TOP));
    put(" ");
    putHex(inHeap(word(av + ARENA_TOP)) ? word((char *)word(av + ARENA_TOP) + 8) & ~(uint64_t)7 : 0);
    put("\ndump remainder");
    putOffset(word(av + ARENA_LAST_REMAINDER));
    put("\ndump system_mem ");
    putHex(word(av + ARENA_SYSTEM_MEM));
    put("\ndump binmap");
    for (int i = 0; i < 4; i++) {
        put(" ");
        putHex(((const uint32_t *)(av + ARENA_BINMAP))[i]);
    }
    put("\n");
    for (int i = 0; i < NFASTBINS; i++) {
        uint64_t c = word(av + ARENA_FASTBINS + 8 * i);
        if (!c) continue;
        put("dump fast ");
        putDecimal((uint64_t)i);
        for (int n = 0; c && inHeap(c) && n < LIST_LIMIT; n++) {
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
        put("dump bin ");
        putDecimal((uint64_t)i);
        for (int n = 0; c != (uint64_t)header && inHeap(c) && n < LIST_LIMIT; n++) {
            putOffset(c);
            put(":");
            putHex(word((char *)c + 8) & ~(uint64_t)7);
            c = word((char *)c + 16);
        }
        if (c != (uint64_t)header) putOffset(c);
        put("\n");
    }
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
        for (int n = 0; e && inHeap(e) && n < LIST_LIMIT; n++) {
            putOffset(e - 16);
            e = reveal((char *)e);
        }
        if (e) putOffset(e);
        put("\n");
    }
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
    if (argc != 2 && !dumping) fail(2, "usage: glibc-replay TRACE [--dump-after K]", "", "");
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
    struct cursor c = {argv[1], text, text + st.st_size, text, 0, 0, 0, 0};
    struct op op;
    uint64_t slotCount = 1;
    while (nextOp(&c, &op)) {
        if (op.slot + 1 > slotCount) slotCount = op.slot + 1;
    }
    void **slots = mmap(NULL, slotCount * sizeof(void *), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (slots == MAP_FAILED) fail(3, "glibc-replay: cannot map the slot table", "", "");

    struct cursor r = {argv[1], text, text + st.st_size, text, 0, 0, 0, 0};
    for (uint64_t i = 0; nextOp(&r, &op); i++) {
        run(&op, slots);
        if (dumping && i == dumpAfter) {
            dump();
            break;
        }
    }
    flush(1);
    return 0;
}
