#define _GNU_SOURCE
#include <pthread.h>
#include "CStewardSys.h"

int steward_name_thread(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}
