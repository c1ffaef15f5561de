// libarenastress-record.so: preloaded by `arenastress record`, it writes an arenastress
// trace (Sources/Fidelity/Trace.swift, version 2) of every malloc-family call the
// program makes, so that the program's heap can be replayed on the model and on glibc.
//
// Every call goes to glibc's own entry points (__libc_malloc, ...), so the library needs
// no dlsym to find malloc and nothing of it allocates: the pointer -> slot table, the
// free-slot stack and the caller set are mmapped, the trace goes out through a static
// buffer with write(2). One lock is held across glibc's call and its line, so that the
// order of the lines is an order glibc really executed (this serializes the program's
// malloc calls). Calls made inside the library itself (pthread_setspecific, say) go
// straight to glibc and are only counted.
//
// Environment, set by the command:
//   ARENASTRESS_RECORD_FILE    the trace's path (the first image of the launched process)
//   ARENASTRESS_RECORD_PARENT  the command's pid: a process whose parent it is, is the
//                              launched process (recorded through its execs)
//   ARENASTRESS_RECORD_ALL     "1": record every other process too, each in FILE.PID
//   ARENASTRESS_RECORD_CALLERS "1": write FILE.callers (see writeCaller)
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern int malloc_trim(size_t);

#define EXPORT __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))

enum { SLOT_LIMIT = 1 << 24, MAX_NUMBER = 0x7fffffffffffffffULL, BUFFER_SIZE = 1 << 16, FLUSH_AT = BUFFER_SIZE - 512 };
enum { UNSET, RECORDING, PASSING };  // the process's state

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int state = UNSET;
static int finished;         // the summary is written: every line goes out at once from now on
static int recordAll, recordCallers;
static pid_t ownPid;
static pthread_key_t threadKey;

static TLS int inside;       // this thread is in the library: its calls pass straight to glibc
static TLS int threadNumber = -1;
static TLS pid_t threadTid;

// Counts for the closing comment.
static uint64_t skippedFrees, skippedReallocs, unrecordable, unrecorded;
static int nextThread;

// Output: one buffer each for the trace and the callers file.

struct output { int fd; size_t used; uint64_t written; dev_t device; ino_t inode; char bytes[BUFFER_SIZE]; };
static struct output trace = {.fd = -1}, callers = {.fd = -1};
static uint64_t lineNumber;  // the trace's lines so far
static char tracePath[4096], basePath[4096];

// Our descriptors sit high (a program rarely opens 900 files) and are checked at each
// flush: a program that closes every descriptor and opens another file under the same
// number must not get trace lines in it. Such a trace just ends there.
static int keepDescriptor(struct output *o, int fd) {
    int high = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 900) : -1;
    if (high >= 0) {
        close(fd);
        fd = high;
    }
    struct stat info;
    if (fd >= 0 && fstat(fd, &info) == 0) {
        o->device = info.st_dev;
        o->inode = info.st_ino;
    }
    return o->fd = fd;
}

static void flushOutput(struct output *o) {
    struct stat info;
    if (o->used && o->fd >= 0 && (fstat(o->fd, &info) != 0 || info.st_dev != o->device || info.st_ino != o->inode))
        o->fd = -1;
    size_t done = 0;
    while (done < o->used && o->fd >= 0) {
        ssize_t n = write(o->fd, o->bytes + done, o->used - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // a full disk loses the rest rather than the program
        done += (size_t)n;
    }
    o->written += o->used;
    o->used = 0;
}

static void put(struct output *o, const char *s) {
    while (*s) o->bytes[o->used++] = *s++;
}

// At most `limit` bytes of `s`: a name or a path of arbitrary length.
static void putLimited(struct output *o, const char *s, size_t limit) {
    while (*s && limit--) o->bytes[o->used++] = *s++;
}

static void putNumber(struct output *o, uint64_t n) {
    char digits[24];
    int k = 0;
    do digits[k++] = (char)('0' + n % 10); while ((n /= 10) != 0);
    while (k) o->bytes[o->used++] = digits[--k];
}

static void putHex(struct output *o, uint64_t n) {
    char digits[20];
    int k = 0;
    do digits[k++] = "0123456789abcdef"[n & 15]; while ((n >>= 4) != 0);
    put(o, "0x");
    while (k) o->bytes[o->used++] = digits[--k];
}

static void endLine(struct output *o) {
    o->bytes[o->used++] = '\n';
    if (o == &trace) lineNumber++;
    if (o->used >= FLUSH_AT || finished) flushOutput(o);
}

// Caller addresses: `at LINE ADDRESS` as each op is written; their symbols are
// resolved when recording ends (resolveCallers).

struct addressSet { uint64_t *keys; size_t capacity, count; };
static struct addressSet callerSet;

static void *mapZeroed(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static void addCaller(uint64_t address) {
    if (callerSet.count * 2 >= callerSet.capacity) {
        size_t capacity = callerSet.capacity ? callerSet.capacity * 2 : 4096;
        uint64_t *keys = mapZeroed(capacity * sizeof *keys);
        if (!keys) return;
        for (size_t i = 0; i < callerSet.capacity; i++) {
            uint64_t k = callerSet.keys[i];
            if (!k) continue;
            size_t j = mix(k) & (capacity - 1);
            while (keys[j]) j = (j + 1) & (capacity - 1);
            keys[j] = k;
        }
        if (callerSet.keys) munmap(callerSet.keys, callerSet.capacity * sizeof *keys);
        callerSet.keys = keys;
        callerSet.capacity = capacity;
    }
    size_t j = mix(address) & (callerSet.capacity - 1);
    while (callerSet.keys[j]) {
        if (callerSet.keys[j] == address) return;
        j = (j + 1) & (callerSet.capacity - 1);
    }
    callerSet.keys[j] = address;
    callerSet.count++;
}

static void writeCaller(const void *address) {
    if (callers.fd < 0) return;
    put(&callers, "at ");
    putNumber(&callers, lineNumber + 1);  // the op's line, written next
    put(&callers, " ");
    putHex(&callers, (uint64_t)(uintptr_t)address);
    endLine(&callers);
    addCaller((uint64_t)(uintptr_t)address | (address == NULL));
}

// Blocks and slots: an open-addressing table from pointer to slot (linear probing,
// deletion by shifting back), and a stack of the slot numbers freed for reuse.

struct entry { uint64_t pointer; uint32_t slot; };
static struct entry *table;
static size_t tableCapacity, tableCount;
static uint32_t *freeSlots;
static uint32_t freeSlotCount, nextSlot;
static int outOfSlots;

static int growTable(void) {
    size_t capacity = tableCapacity ? tableCapacity * 2 : 1 << 10;
    struct entry *entries = mapZeroed(capacity * sizeof *entries);
    if (!entries) return 0;
    for (size_t i = 0; i < tableCapacity; i++) {
        if (!table[i].pointer) continue;
        size_t j = mix(table[i].pointer) & (capacity - 1);
        while (entries[j].pointer) j = (j + 1) & (capacity - 1);
        entries[j] = table[i];
    }
    if (table) munmap(table, tableCapacity * sizeof *table);
    table = entries;
    tableCapacity = capacity;
    return 1;
}

static int64_t findSlot(const void *p) {
    if (!tableCapacity) return -1;
    size_t j = mix((uint64_t)(uintptr_t)p) & (tableCapacity - 1);
    while (table[j].pointer) {
        if (table[j].pointer == (uint64_t)(uintptr_t)p) return table[j].slot;
        j = (j + 1) & (tableCapacity - 1);
    }
    return -1;
}

static void insertBlock(const void *p, uint32_t slot) {
    if ((tableCount + 1) * 2 > tableCapacity && !growTable()) return;
    size_t j = mix((uint64_t)(uintptr_t)p) & (tableCapacity - 1);
    while (table[j].pointer) j = (j + 1) & (tableCapacity - 1);
    table[j].pointer = (uint64_t)(uintptr_t)p;
    table[j].slot = slot;
    tableCount++;
}

static void removeBlock(const void *p) {
    size_t mask = tableCapacity - 1, i = mix((uint64_t)(uintptr_t)p) & mask;
    while (table[i].pointer != (uint64_t)(uintptr_t)p) {
        if (!table[i].pointer) return;
        i = (i + 1) & mask;
    }
    // Shift back the entries after the hole that probed past it.
    for (size_t j = (i + 1) & mask; table[j].pointer; j = (j + 1) & mask) {
        size_t home = mix(table[j].pointer) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            table[i] = table[j];
            i = j;
        }
    }
    table[i].pointer = 0;
    tableCount--;
}

// A slot that is empty now: the next one takeSlot gives.
static uint32_t emptySlot(void) { return freeSlotCount ? freeSlots[freeSlotCount - 1] : nextSlot; }

static uint32_t takeSlot(void) {
    if (freeSlotCount) return freeSlots[--freeSlotCount];
    return nextSlot++;
}

static void releaseSlot(uint32_t slot) { freeSlots[freeSlotCount++] = slot; }

// Thread exits: a thread's key destructor marks it exiting, but other destructors and
// glibc's own thread clean-up may still call free after it; its `exit` line is written
// only once the kernel says the thread is gone, so no line of it ever follows.

enum { PENDING_LIMIT = 4096 };
static struct { int number; pid_t tid; } pending[PENDING_LIMIT];
static int pendingCount;

static void writeExit(int number) {
    putNumber(&trace, (uint64_t)number);
    put(&trace, " exit");
    endLine(&trace);
}

static void writeGoneExits(void) {
    int saved = errno;
    for (int i = 0; i < pendingCount;) {
        if (syscall(SYS_tgkill, ownPid, pending[i].tid, 0) != 0 && errno == ESRCH) {
            writeExit(pending[i].number);
            pending[i] = pending[--pendingCount];
        } else {
            i++;
        }
    }
    errno = saved;
}

static void threadEnds(void *value) {
    (void)value;
    inside = 1;
    pthread_mutex_lock(&lock);
    if (state == RECORDING && threadNumber > 0) {
        if (pendingCount == PENDING_LIMIT) {
            // Too many at once: the oldest is written now, its last frees may follow it.
            writeExit(pending[0].number);
            pending[0] = pending[--pendingCount];
        }
        pending[pendingCount].number = threadNumber;
        pending[pendingCount].tid = threadTid;
        pendingCount++;
    }
    pthread_mutex_unlock(&lock);
    inside = 0;
}

// Setting up, in the first call of the process image.

static const char *tunableNames[] = {"arena_max", "arena_test", "tcache_count", "tcache_max", "mmap_threshold",
                                     "trim_threshold", "top_pad", "mxfast", "perturb", NULL};
static const char *tunableVariables[][2] = {{"MALLOC_ARENA_MAX", "arena_max"}, {"MALLOC_ARENA_TEST", "arena_test"},
                                            {"MALLOC_MMAP_THRESHOLD_", "mmap_threshold"},
                                            {"MALLOC_TRIM_THRESHOLD_", "trim_threshold"}, {"MALLOC_TOP_PAD_", "top_pad"},
                                            {"MALLOC_PERTURB_", "perturb"}, {NULL, NULL}};

static int allDigits(const char *s, size_t n) {
    if (n == 0 || n > 18) return 0;
    for (size_t i = 0; i < n; i++) if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

// The malloc settings the program runs with, as a `# tunables:` comment both replays
// apply: glibc's MALLOC_*_ variables, then GLIBC_TUNABLES's glibc.malloc.* (which win).
static void writeTunables(void) {
    size_t start = trace.used;
    put(&trace, "# tunables:");
    size_t empty = trace.used;
    for (int i = 0; tunableVariables[i][0]; i++) {
        const char *value = getenv(tunableVariables[i][0]);
        if (!value || !allDigits(value, strlen(value))) continue;
        put(&trace, " ");
        put(&trace, tunableVariables[i][1]);
        put(&trace, "=");
        put(&trace, value);
    }
    const char *tunables = getenv("GLIBC_TUNABLES");
    for (const char *p = tunables; p && *p;) {
        const char *end = strchrnul(p, ':');
        const char *equals = memchr(p, '=', (size_t)(end - p));
        if (equals && (size_t)(end - p) < 200 && strncmp(p, "glibc.malloc.", 13) == 0) {
            for (int i = 0; tunableNames[i]; i++) {
                size_t n = strlen(tunableNames[i]);
                if ((size_t)(equals - p - 13) == n && memcmp(p + 13, tunableNames[i], n) == 0 &&
                    allDigits(equals + 1, (size_t)(end - equals - 1))) {
                    put(&trace, " ");
                    put(&trace, tunableNames[i]);
                    put(&trace, "=");
                    memcpy(trace.bytes + trace.used, equals + 1, (size_t)(end - equals - 1));
                    trace.used += (size_t)(end - equals - 1);
                }
            }
        }
        p = *end ? end + 1 : end;
    }
    if (trace.used == empty) {
        trace.used = start;
    } else {
        endLine(&trace);
    }
}

// Opens FILE, or FILE.PID (read and write: a forked child copies it) (FILE.PID.2, ...) when FILE is taken or `other` is set.
static int openTrace(const char *file, int other) {
    size_t n = strlen(file);
    if (n + 40 > sizeof tracePath) return -1;
    memcpy(tracePath, file, n + 1);
    int fd = other ? -1 : open(tracePath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    for (int k = 1; fd < 0 && k < 1000; k++) {
        char *p = tracePath + n;
        *p++ = '.';
        struct output number = {0};
        putNumber(&number, (uint64_t)getpid());
        if (k > 1) {
            put(&number, ".");
            putNumber(&number, (uint64_t)k);
        }
        memcpy(p, number.bytes, number.used);
        p[number.used] = 0;
        fd = open(tracePath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) break;
    }
    return fd;
}

static void openCallers(void) {
    char path[sizeof tracePath + 16];
    size_t n = strlen(tracePath);
    memcpy(path, tracePath, n);
    memcpy(path + n, ".callers", 9);
    if (keepDescriptor(&callers, open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644)) < 0) return;
    put(&callers, "arenastress-callers 1");
    endLine(&callers);
}

static void writeHeader(void) {
    put(&trace, "arenastress-trace 2");
    endLine(&trace);
    put(&trace, "# recorded by arenastress record: pid ");
    putNumber(&trace, (uint64_t)ownPid);
    char exe[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        for (ssize_t i = 0; i < n; i++) if (exe[i] == '\n') exe[i] = ' ';
        put(&trace, ", ");
        put(&trace, exe);
    }
    endLine(&trace);
    writeTunables();
}

static void forkPrepare(void);
static void forkParent(void);
static void forkChild(void);

// What the process does: RECORDING (its trace open) or PASSING.
static int setUp(void) {
    const char *file = getenv("ARENASTRESS_RECORD_FILE");
    if (!file || !*file) return PASSING;
    ownPid = getpid();
    recordAll = getenv("ARENASTRESS_RECORD_ALL") && getenv("ARENASTRESS_RECORD_ALL")[0] == '1';
    recordCallers = getenv("ARENASTRESS_RECORD_CALLERS") && getenv("ARENASTRESS_RECORD_CALLERS")[0] == '1';
    const char *parent = getenv("ARENASTRESS_RECORD_PARENT");
    int launched = !parent || strtol(parent, NULL, 10) == (long)getppid();
    if (!launched && !recordAll) return PASSING;
    freeSlots = mapZeroed((size_t)SLOT_LIMIT * sizeof *freeSlots);
    if (!freeSlots || !growTable()) return PASSING;
    if (strlen(file) >= sizeof basePath) return PASSING;
    memcpy(basePath, file, strlen(file) + 1);
    if (keepDescriptor(&trace, openTrace(basePath, !launched)) < 0) return PASSING;
    if (recordCallers) openCallers();
    if (pthread_key_create(&threadKey, threadEnds) != 0) return PASSING;
    pthread_atfork(forkPrepare, forkParent, forkChild);
    writeHeader();
    return RECORDING;
}

// Each call: begin takes the lock (false: pass the call straight to glibc), the
// wrapper calls glibc and writes its line, end flushes what is due and lets go.

static int begin(void) {
    if (inside) {
        if (state == RECORDING) __atomic_fetch_add(&unrecorded, 1, __ATOMIC_RELAXED);
        return 0;
    }
    // A process that is not recorded never takes the lock again.
    if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) == PASSING) return 0;
    inside = 1;
    pthread_mutex_lock(&lock);
    if (state == UNSET) {
        int saved = errno;
        __atomic_store_n(&state, setUp(), __ATOMIC_RELEASE);
        errno = saved;
    }
    if (state != RECORDING) {
        pthread_mutex_unlock(&lock);
        inside = 0;
        return 0;
    }
    if (threadNumber < 0) {
        threadNumber = nextThread++;
        threadTid = (pid_t)syscall(SYS_gettid);
        pthread_setspecific(threadKey, (void *)1);
    }
    if (pendingCount) writeGoneExits();
    return 1;
}

static void end(int savedErrno) {
    pthread_mutex_unlock(&lock);
    inside = 0;
    errno = savedErrno;
}

// The start of an op line; the caller, if wanted, is the line's.
static void startOp(const char *name, const void *caller) {
    if (recordCallers) writeCaller(caller);
    putNumber(&trace, (uint64_t)threadNumber);
    put(&trace, " ");
    put(&trace, name);
}

static void putArgument(uint64_t n) {
    put(&trace, " ");
    putNumber(&trace, n);
}

// The block an op returned goes in the slot emptySlot() named, or nowhere if it is NULL.
static void fill(const void *p) {
    if (p) insertBlock(p, takeSlot());
}

static int slotsLeft(void) {
    if (freeSlotCount || nextSlot < SLOT_LIMIT - 1) return 1;
    if (!outOfSlots) {
        outOfSlots = 1;
        put(&trace, "# more than 2^24 blocks alive: calls that return one are not recorded (counted as unrecorded)");
        endLine(&trace);
    }
    return 0;
}

// After the line of a call that returned NULL (its slot stays empty): replays compute
// it themselves, a reader of the trace cannot.
static void writeNull(void) {
    put(&trace, "# null");
    endLine(&trace);
}

// An op that fills a slot: malloc, calloc, memalign.
static void recordNew(const char *name, uint64_t a, uint64_t b, int arguments, void *p, const void *caller) {
    if (a > MAX_NUMBER || b > MAX_NUMBER) {
        // glibc refuses such a request before touching the heap; the trace cannot say it.
        unrecordable++;
        return;
    }
    if (!slotsLeft()) {
        unrecorded++;
        return;
    }
    uint32_t slot = emptySlot();
    startOp(name, caller);
    putArgument(a);
    if (arguments == 2) putArgument(b);
    putArgument(slot);
    endLine(&trace);
    fill(p);
    if (!p) writeNull();
}

static void recordFree(void *p, const void *caller) {
    if (!p) {
        startOp("free", caller);
        putArgument(emptySlot());
        endLine(&trace);
        return;
    }
    int64_t slot = findSlot(p);
    if (slot < 0) {
        skippedFrees++;
        return;
    }
    startOp("free", caller);
    putArgument((uint64_t)slot);
    endLine(&trace);
    removeBlock(p);
    releaseSlot((uint32_t)slot);
}

static void recordRealloc(void *old, size_t size, void *p, const void *caller) {
    if (!old) {
        recordNew("realloc", size, 0, 1, p, caller);
        return;
    }
    int64_t slot = findSlot(old);
    if (slot < 0) {
        // A block allocated before recording: glibc's realloc of it is not in the trace,
        // nor is the block it returns.
        skippedReallocs++;
        return;
    }
    if (size > MAX_NUMBER) {
        unrecordable++;
        return;
    }
    startOp("realloc", caller);
    putArgument(size);
    putArgument((uint64_t)slot);
    endLine(&trace);
    if (size == 0) {
        removeBlock(old);
        releaseSlot((uint32_t)slot);
    } else if (p && p != old) {
        removeBlock(old);
        insertBlock(p, (uint32_t)slot);
    } else if (!p) {
        writeNull();  // the old block stays
    }
}

// The malloc family.

EXPORT void *malloc(size_t size) {
    if (!begin()) return __libc_malloc(size);
    void *p = __libc_malloc(size);
    int e = errno;
    recordNew("malloc", size, 0, 1, p, __builtin_return_address(0));
    end(e);
    return p;
}

EXPORT void free(void *p) {
    if (!begin()) {
        __libc_free(p);
        return;
    }
    int e = errno;
    recordFree(p, __builtin_return_address(0));
    __libc_free(p);
    end(e);
}

EXPORT void *calloc(size_t count, size_t size) {
    if (!begin()) return __libc_calloc(count, size);
    void *p = __libc_calloc(count, size);
    int e = errno;
    recordNew("calloc", count, size, 2, p, __builtin_return_address(0));
    end(e);
    return p;
}

static void *reallocFrom(void *old, size_t size, const void *caller) {
    if (!begin()) return __libc_realloc(old, size);
    void *p = __libc_realloc(old, size);
    int e = errno;
    recordRealloc(old, size, p, caller);
    end(e);
    return p;
}

EXPORT void *realloc(void *old, size_t size) { return reallocFrom(old, size, __builtin_return_address(0)); }

// glibc's reallocarray: ENOMEM on overflow (no call), else realloc.
EXPORT void *reallocarray(void *old, size_t count, size_t size) {
    size_t bytes;
    if (__builtin_mul_overflow(count, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return reallocFrom(old, bytes, __builtin_return_address(0));
}

// memalign, aligned_alloc (glibc 2.36's is memalign), valloc, pvalloc and
// posix_memalign all end in glibc's _mid_memalign (alignment, size), as
// __libc_memalign does: each is a `memalign` op with the arguments glibc passes it.
static void *memalignFrom(size_t alignment, size_t size, const void *caller) {
    if (!begin()) return __libc_memalign(alignment, size);
    void *p = __libc_memalign(alignment, size);
    int e = errno;
    recordNew("memalign", alignment, size, 2, p, caller);
    end(e);
    return p;
}

EXPORT void *memalign(size_t alignment, size_t size) { return memalignFrom(alignment, size, __builtin_return_address(0)); }

EXPORT void *aligned_alloc(size_t alignment, size_t size) {
    return memalignFrom(alignment, size, __builtin_return_address(0));
}

EXPORT void *valloc(size_t size) { return memalignFrom((size_t)getpagesize(), size, __builtin_return_address(0)); }

// pvalloc rounds the size up to pages (ENOMEM on overflow). glibc 2.36 rounds with
// `& -(pagesize - 1)`, one byte more for an even size: the same chunk either way.
EXPORT void *pvalloc(size_t size) {
    size_t page = (size_t)getpagesize(), rounded;
    if (__builtin_add_overflow(size, page - 1, &rounded)) {
        errno = ENOMEM;
        return NULL;
    }
    return memalignFrom(page, rounded & ~(page - 1), __builtin_return_address(0));
}

// glibc's checks first (EINVAL without a call), then _mid_memalign.
EXPORT int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment % sizeof(void *) != 0 || (alignment / sizeof(void *) & (alignment / sizeof(void *) - 1)) != 0 ||
        alignment == 0)
        return EINVAL;
    void *p = memalignFrom(alignment, size, __builtin_return_address(0));
    if (!p) return ENOMEM;
    *result = p;
    return 0;
}

EXPORT int malloc_trim(size_t pad) {
    static int (*real)(size_t);
    if (!real) real = (int (*)(size_t))dlsym(RTLD_NEXT, "malloc_trim");
    if (!real) return 0;
    if (!begin()) return real(pad);
    int trimmed = real(pad);
    int e = errno;
    if (pad <= MAX_NUMBER) {
        startOp("trim", __builtin_return_address(0));
        putArgument(pad);
        endLine(&trace);
    } else {
        unrecordable++;
    }
    end(e);
    return trimmed;
}

// The end of recording: at exit (the destructor), before an exec and at _exit. Writes
// the exits of the threads that are gone and the closing comment, flushes both files,
// then names the callers' symbols. Lines after it (other destructors' frees) go out
// one at a time.

static void writeSummary(void) {
    put(&trace, "# skipped: frees=");
    putNumber(&trace, skippedFrees);
    put(&trace, " reallocs=");
    putNumber(&trace, skippedReallocs);
    put(&trace, " unrecordable=");
    putNumber(&trace, unrecordable);
    put(&trace, " unrecorded=");
    putNumber(&trace, unrecorded);
    endLine(&trace);
}

// Symbols from an object's .symtab (static functions too, which dladdr cannot see):
// the file mapped whole, one object at a time (the addresses come sorted).
struct symbols {
    const struct link_map *map;
    const char *path;
    char *file;
    size_t size;
    const Elf64_Sym *symbols;
    size_t count;
    const char *names;
    size_t namesSize;
};

static void loadSymbols(struct symbols *s, const struct link_map *map, const char *path) {
    if (s->file) munmap(s->file, s->size);
    memset(s, 0, sizeof *s);
    s->map = map;
    s->path = path;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    off_t size = lseek(fd, 0, SEEK_END);
    void *file = size > (off_t)sizeof(Elf64_Ehdr) ? mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (file == MAP_FAILED) return;
    s->file = file;
    s->size = (size_t)size;
    const Elf64_Ehdr *e = file;
    if (memcmp(e->e_ident, ELFMAG, SELFMAG) != 0 || e->e_ident[EI_CLASS] != ELFCLASS64 || e->e_shentsize != sizeof(Elf64_Shdr) ||
        e->e_shoff > s->size || (s->size - e->e_shoff) / sizeof(Elf64_Shdr) < e->e_shnum)
        return;
    const Elf64_Shdr *sections = (const Elf64_Shdr *)(s->file + e->e_shoff);
    for (unsigned i = 0; i < e->e_shnum; i++) {
        const Elf64_Shdr *t = &sections[i];
        if (t->sh_type != SHT_SYMTAB || t->sh_link >= e->e_shnum || t->sh_offset > s->size ||
            t->sh_size > s->size - t->sh_offset)
            continue;
        const Elf64_Shdr *n = &sections[t->sh_link];
        if (n->sh_offset > s->size || n->sh_size > s->size - n->sh_offset) continue;
        s->symbols = (const Elf64_Sym *)(s->file + t->sh_offset);
        s->count = t->sh_size / sizeof(Elf64_Sym);
        s->names = s->file + n->sh_offset;
        s->namesSize = n->sh_size;
    }
}

// The function of .symtab that holds `value` (an address in the file's terms).
static const Elf64_Sym *functionAt(const struct symbols *s, uint64_t value) {
    for (size_t i = 0; i < s->count; i++) {
        const Elf64_Sym *y = &s->symbols[i];
        if (ELF64_ST_TYPE(y->st_info) == STT_FUNC && y->st_shndx != SHN_UNDEF && y->st_value <= value &&
            value - y->st_value < y->st_size && y->st_name < s->namesSize && y->st_name)
            return y;
    }
    return NULL;
}

static void sortAddresses(uint64_t *a, size_t n) {
    for (size_t gap = n / 2; gap > 0; gap /= 2)
        for (size_t i = gap; i < n; i++)
            for (size_t j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
                uint64_t t = a[j];
                a[j] = a[j - gap];
                a[j - gap] = t;
            }
}

// `sym ADDRESS SYMBOL+OFFSET OBJECT` for each caller address: the function of the
// object's .symtab that holds it, else dladdr's nearest dynamic symbol, else
// `?+OFFSET` from the object's start; `? ?` outside any object. The main program is
// named by /proc/self/exe. Runs without the lock (dladdr takes the loader's lock,
// which a thread in dlopen may hold while it waits for ours), on a copy of the addresses.
static void resolveCallers(uint64_t *addresses, size_t count) {
    struct output *o = mapZeroed(sizeof *o);
    if (!o) return;
    o->fd = callers.fd;
    o->device = callers.device;
    o->inode = callers.inode;
    static char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    struct symbols symbols = {0};
    sortAddresses(addresses, count);
    for (size_t i = 0; i < count; i++) {
        Dl_info info;
        struct link_map *map = NULL;
        uint64_t address = addresses[i] == 1 ? 0 : addresses[i];
        put(o, "sym ");
        putHex(o, address);
        put(o, " ");
        if (address && dladdr1((void *)(uintptr_t)address, &info, (void **)&map, RTLD_DL_LINKMAP) && map) {
            const char *path = map->l_name && *map->l_name ? map->l_name : exe;
            if (symbols.map != map) loadSymbols(&symbols, map, path);
            const Elf64_Sym *function = functionAt(&symbols, address - map->l_addr);
            if (function) {
                putLimited(o, symbols.names + function->st_name, 2048);
                put(o, "+");
                putHex(o, address - map->l_addr - function->st_value);
            } else if (info.dli_sname && info.dli_saddr) {
                putLimited(o, info.dli_sname, 2048);
                put(o, "+");
                putHex(o, address - (uint64_t)(uintptr_t)info.dli_saddr);
            } else {
                put(o, "?+");
                putHex(o, address - (uint64_t)(uintptr_t)info.dli_fbase);
            }
            put(o, " ");
            putLimited(o, *path ? path : "?", 2048);
        } else {
            put(o, "? ?");
        }
        o->bytes[o->used++] = '\n';
        if (o->used >= BUFFER_SIZE - 8192) flushOutput(o);
    }
    if (symbols.file) munmap(symbols.file, symbols.size);
    flushOutput(o);
    munmap(o, sizeof *o);
}

static uint64_t summaryLine;  // the line after the last summary

static void finish(void) {
    if (inside) return;
    inside = 1;
    // Threads whose key destructor ran are ending: give them up to a second to be
    // gone (the lock free meanwhile, for their last frees), so that their exits are in.
    for (int waited = 0; waited < 1000; waited++) {
        pthread_mutex_lock(&lock);
        if (state == RECORDING && pendingCount && getpid() == ownPid) writeGoneExits();
        int left = state == RECORDING ? pendingCount : 0;
        pthread_mutex_unlock(&lock);
        if (!left) break;
        struct timespec millisecond = {0, 1000000};
        nanosleep(&millisecond, NULL);
    }
    pthread_mutex_lock(&lock);
    // A vfork child shares our memory; nothing happened since an earlier finish.
    if (state != RECORDING || getpid() != ownPid || (finished && lineNumber == summaryLine)) {
        pthread_mutex_unlock(&lock);
        inside = 0;
        return;
    }
    if (pendingCount) writeGoneExits();
    writeSummary();
    summaryLine = lineNumber;
    finished = 1;
    flushOutput(&trace);
    flushOutput(&callers);
    uint64_t *addresses = NULL;
    size_t count = 0;
    if (callers.fd >= 0 && callerSet.count) {
        addresses = mapZeroed(callerSet.count * sizeof *addresses);
        for (size_t i = 0; addresses && i < callerSet.capacity; i++)
            if (callerSet.keys[i]) addresses[count++] = callerSet.keys[i];
    }
    pthread_mutex_unlock(&lock);
    if (addresses) {
        resolveCallers(addresses, count);
        munmap(addresses, callerSet.count * sizeof *addresses);
    }
    inside = 0;
}

__attribute__((destructor)) static void atExit(void) { finish(); }

EXPORT void _exit(int status) {
    finish();
    for (;;) syscall(SYS_exit_group, status);
}

EXPORT void _Exit(int status) { _exit(status); }

// fork: the parent flushes and holds the lock across it; the child is recorded only
// with ARENASTRESS_RECORD_ALL, in a file of its own that starts with a copy of the
// parent's trace so far (its heap is the parent's), then `# forked: ...`.

static uint64_t forkLines;

static void forkPrepare(void) {
    inside = 1;
    pthread_mutex_lock(&lock);
    if (state == RECORDING) {
        flushOutput(&trace);
        flushOutput(&callers);
    }
    forkLines = lineNumber;
}

static void forkParent(void) {
    pthread_mutex_unlock(&lock);
    inside = 0;
}

static void copyFile(int from, int to, uint64_t length, char *scratch) {
    for (uint64_t at = 0; at < length;) {
        size_t want = length - at < BUFFER_SIZE ? (size_t)(length - at) : BUFFER_SIZE;
        ssize_t n = pread(from, scratch, want, (off_t)at);
        if (n <= 0) break;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(to, scratch + done, (size_t)(n - done));
            if (w <= 0) return;
            done += w;
        }
        at += (uint64_t)n;
    }
}

static void forkChild(void) {
    if (state == RECORDING) {
        int parentTrace = trace.fd, parentCallers = callers.fd;
        pid_t parent = ownPid;
        trace.fd = callers.fd = -1;
        if (recordAll) {
            ownPid = getpid();
            pendingCount = 0;  // the parent's threads are gone here, without an exit
            keepDescriptor(&trace, openTrace(basePath, 1));
            if (trace.fd >= 0) {
                copyFile(parentTrace, trace.fd, trace.written, trace.bytes);
                if (parentCallers >= 0) {
                    openCallers();
                    callers.used = 0;  // the copy brings the parent's header line
                    if (callers.fd >= 0) copyFile(parentCallers, callers.fd, callers.written, callers.bytes);
                }
                put(&trace, "# forked: pid ");
                putNumber(&trace, (uint64_t)ownPid);
                put(&trace, " from pid ");
                putNumber(&trace, (uint64_t)parent);
                put(&trace, " after line ");
                putNumber(&trace, forkLines);
                endLine(&trace);
            }
        }
        close(parentTrace);
        if (parentCallers >= 0) close(parentCallers);
        if (trace.fd < 0) state = PASSING;
    }
    pthread_mutex_unlock(&lock);
    inside = 0;
}

// exec: the image's recording ends before the program is replaced (a failed exec goes
// on recording, each line written at once). The new image starts a trace of its own.

#define REAL(name, type) \
    static type real_##name; \
    if (!real_##name) real_##name = (type)dlsym(RTLD_NEXT, #name); \
    if (!real_##name) { errno = ENOSYS; return -1; }

typedef int (*execveType)(const char *, char *const[], char *const[]);
typedef int (*execvType)(const char *, char *const[]);
typedef int (*fexecveType)(int, char *const[], char *const[]);

EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
    REAL(execve, execveType)
    finish();
    return real_execve(path, argv, envp);
}

EXPORT int execv(const char *path, char *const argv[]) {
    REAL(execv, execvType)
    finish();
    return real_execv(path, argv);
}

EXPORT int execvp(const char *file, char *const argv[]) {
    REAL(execvp, execvType)
    finish();
    return real_execvp(file, argv);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
    REAL(execvpe, execveType)
    finish();
    return real_execvpe(file, argv, envp);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[]) {
    REAL(fexecve, fexecveType)
    finish();
    return real_fexecve(fd, argv, envp);
}

// execl, execlp, execle: their arguments as an array on the stack.
#define COLLECT(first, last, extra)                                           \
    va_list list;                                                             \
    size_t count = 1;                                                         \
    va_start(list, first);                                                    \
    while (va_arg(list, char *)) count++;                                     \
    va_end(list);                                                             \
    char *argv[count + 1];                                                    \
    argv[0] = (char *)first;                                                  \
    va_start(list, first);                                                    \
    for (size_t i = 1; i <= count; i++) argv[i] = va_arg(list, char *);       \
    extra;                                                                    \
    va_end(list);

EXPORT int execl(const char *path, const char *arg, ...) {
    COLLECT(arg, argv, (void)0)
    return execv(path, argv);
}

EXPORT int execlp(const char *file, const char *arg, ...) {
    COLLECT(arg, argv, (void)0)
    return execvp(file, argv);
}

EXPORT int execle(const char *path, const char *arg, ...) {
    char *const *envp;
    COLLECT(arg, argv, envp = va_arg(list, char *const *))
    return execve(path, argv, envp);
}
