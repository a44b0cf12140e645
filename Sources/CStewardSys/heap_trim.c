#include <malloc.h>
#include "CStewardSys.h"

int steward_trim_heap(void) {
    return malloc_trim(0);
}

int steward_limit_malloc_arenas(int count) {
    return mallopt(M_ARENA_MAX, count);
}
