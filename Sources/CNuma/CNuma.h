#ifndef ARENASTRESS_CNUMA_H
#define ARENASTRESS_CNUMA_H
// libnuma (Debian's libnuma-dev): the topology queries of <numa.h> and the
// mbind, get_mempolicy and move_pages system calls of <numaif.h>.
#include <numa.h>
#include <numaif.h>
#endif
