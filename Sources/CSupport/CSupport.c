#define _GNU_SOURCE
#include "CSupport.h"
#include <malloc.h>
#include <sys/mman.h>

void *cs_mremap_maymove(void *old_address, size_t old_size, size_t new_size) {
  return mremap(old_address, old_size, new_size, MREMAP_MAYMOVE);
}

size_t cs_glibc_usable_size(void *pointer) { return malloc_usable_size(pointer); }
