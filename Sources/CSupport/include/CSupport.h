#ifndef ARENASTRESS_CSUPPORT_H
#define ARENASTRESS_CSUPPORT_H
// What Swift cannot import from the C library: variadic calls and GNU macros.
// _GNU_SOURCE is defined in CSupport.c only: in this header it breaks debug and
// sanitizer builds of the Swift modules that import it.
#include <stddef.h>

/// mremap (old, old_size, new_size, MREMAP_MAYMOVE); MAP_FAILED on failure.
void *cs_mremap_maymove(void *old_address, size_t old_size, size_t new_size);

/// glibc's own malloc_usable_size (from <malloc.h>, which Swift's Glibc module lacks).
size_t cs_glibc_usable_size(void *pointer);

#endif
