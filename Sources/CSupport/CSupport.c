#define _GNU_SOURCE
#include "CSupport.h"
#include <linux/futex.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

void *cs_mremap_maymove(void *old_address, size_t old_size, size_t new_size) {
  return mremap(old_address, old_size, new_size, MREMAP_MAYMOVE);
}

size_t cs_glibc_usable_size(void *pointer) { return malloc_usable_size(pointer); }

void *cs_glibc_memalign(size_t alignment, size_t size) { return memalign(alignment, size); }

int cs_glibc_malloc_trim(size_t pad) { return malloc_trim(pad); }

void cs_glibc_mallinfo2(size_t out[3]) {
  struct mallinfo2 info = mallinfo2();
  out[0] = info.arena;
  out[1] = info.hblkhd;
  out[2] = info.uordblks;
}

void cs_futex_wait(uint32_t *word, uint32_t expected) {
  syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

void cs_futex_wake(uint32_t *word, int count) {
  syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

int cs_current_cpu(void) { return sched_getcpu(); }

int cs_pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

int cs_allowed_cpus(int *cpus, int capacity) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  int n = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && n < capacity; cpu++)
    if (CPU_ISSET(cpu, &set)) cpus[n++] = cpu;
  return n;
}

int cs_thread_id(void) { return (int)syscall(SYS_gettid); }

// libnuma reports problems by printing them (numa_warn, numa_error), weak symbols it
// lets a program replace. A run that cannot place threads or memory says so in its
// report, in one line; nothing of libnuma's reaches standard error.
void numa_warn(int number, char *format, ...) {
  (void)number;
  (void)format;
}

void numa_error(char *where) { (void)where; }
