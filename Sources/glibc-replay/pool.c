// The malloc family for everything in glibc-replay's process but the trace's own ops
// (see main.c): a bump allocator in .bss whose blocks are never reused, so that the
// Swift runtime's and libstdc++'s allocations before main, and any other, leave
// glibc's heap untouched. A pointer from glibc itself is handed back to glibc.
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

extern void __libc_free(void *);
extern void *__libc_realloc(void *, size_t);

static _Alignas(4096) char pool[16 << 20];
static size_t poolUsed;

static void *poolTake(size_t bytes, size_t alignment) {
    size_t a = 16;
    while (a < alignment && a < sizeof pool) a <<= 1;
    size_t old = __atomic_load_n(&poolUsed, __ATOMIC_RELAXED), start, end;
    do {
        start = (((uintptr_t)pool + old + 16 + a - 1) & ~(uintptr_t)(a - 1)) - (uintptr_t)pool;
        end = start + bytes;
        if (end < start || end > sizeof pool) {
            static const char message[] = "glibc-replay: the private pool is exhausted\n";
            write(2, message, sizeof message - 1);
            _exit(3);
        }
    } while (!__atomic_compare_exchange_n(&poolUsed, &old, end, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    ((size_t *)(pool + start))[-1] = bytes;
    return pool + start;
}

static int inPool(const void *p) { return (const char *)p >= pool && (const char *)p < pool + sizeof pool; }

void *malloc(size_t bytes) { return poolTake(bytes, 16); }
void *calloc(size_t n, size_t size) {
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes)) return NULL;
    return poolTake(bytes, 16);  // .bss is zero and never reused
}
void *memalign(size_t alignment, size_t bytes) { return poolTake(bytes, alignment); }
void *aligned_alloc(size_t alignment, size_t bytes) { return poolTake(bytes, alignment); }
void *valloc(size_t bytes) { return poolTake(bytes, 4096); }
void *pvalloc(size_t bytes) { return poolTake((bytes + 4095) & ~(size_t)4095, 4096); }
int posix_memalign(void **out, size_t alignment, size_t bytes) {
    *out = poolTake(bytes, alignment);
    return 0;
}
size_t malloc_usable_size(void *p) { return p && inPool(p) ? ((size_t *)p)[-1] : 0; }
void free(void *p) {
    if (p && !inPool(p)) __libc_free(p);
}
void *realloc(void *p, size_t bytes) {
    if (p && !inPool(p)) return __libc_realloc(p, bytes);
    void *q = poolTake(bytes, 16);
    if (p) {
        size_t old = ((size_t *)p)[-1];
        memcpy(q, p, old < bytes ? old : bytes);
    }
    return q;
}
