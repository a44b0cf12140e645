#include <malloc.h>
#include "CStewardSys.h"

int steward_trim_heap(void) {
    return malloc_trim(0);
}
