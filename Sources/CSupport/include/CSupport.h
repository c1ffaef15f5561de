#ifndef ARENASTRESS_CSUPPORT_H
#define ARENASTRESS_CSUPPORT_H
// What Swift cannot import from the C library: variadic calls and GNU macros.
// _GNU_SOURCE is defined in CSupport.c only: in this header it breaks debug and
// sanitizer builds of the Swift modules that import it.
#include <stddef.h>
#include <stdint.h>

/// mremap (old, old_size, new_size, MREMAP_MAYMOVE); MAP_FAILED on failure.
void *cs_mremap_maymove(void *old_address, size_t old_size, size_t new_size);

/// glibc's own malloc_usable_size (from <malloc.h>, which Swift's Glibc module lacks).
size_t cs_glibc_usable_size(void *pointer);

/// glibc's memalign, malloc_trim and mallinfo2 (also from <malloc.h>).
void *cs_glibc_memalign(size_t alignment, size_t size);
int cs_glibc_malloc_trim(size_t pad);
/// mallinfo2's arena, hblkhd and uordblks, in that order.
void cs_glibc_mallinfo2(size_t out[3]);

/// futex (word, FUTEX_WAIT_PRIVATE, expected): sleeps while *word == expected.
void cs_futex_wait(uint32_t *word, uint32_t expected);

/// glibc's memalign, malloc_trim and mallinfo2 (also from <malloc.h>).
void *cs_glibc_memalign(size_t alignment, size_t size);
int cs_glibc_malloc_trim(size_t pad);
/// mallinfo2's arena, hblkhd and uordblks, in that order.
void cs_glibc_mallinfo2(size_t out[3]);

/// futex (word, FUTEX_WAKE_PRIVATE, count).
void cs_futex_wake(uint32_t *word, int count);

/// sched_getcpu (): the CPU the calling thread runs on now, or -1.
int cs_current_cpu(void);

/// Pins the calling thread to one CPU (pthread_setaffinity_np with CPU_SET); 0 or an errno.
int cs_pin_to_cpu(int cpu);

/// The CPUs this process may run on (sched_getaffinity), written to cpus; their number.
int cs_allowed_cpus(int *cpus, int capacity);

/// The calling thread's kernel id (gettid).
int cs_thread_id(void);

/// Asks the cache for the line at address without loading it: unlike a load, a
/// prefetch of a page the kernel took back (MADV_DONTNEED) does not map it again.
static inline void cs_prefetch(const void *address) { __builtin_prefetch(address); }

#endif
