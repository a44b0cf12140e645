#include "CStewardSys.h"

// Where `scripts/package` writes the commit and build date after linking, so a new commit needs no rebuild:
//   objcopy --update-section .steward_build=STAMP steward
// with STAMP exactly STEWARD_BUILD_STAMP_SIZE bytes ("steward-build/1\ncommit=...\ndate=...\n", then NULs).
// Not const: the compiler may not assume the initial text below, nor put it in .rodata; `used` keeps the section
// even if the linker saw no reference. A build that nobody stamped keeps the initial text, which the reader takes
// for "built from source".
__attribute__((section(".steward_build"), used, aligned(1)))
char steward_build_stamp[STEWARD_BUILD_STAMP_SIZE] = "steward-build/unstamped";

const char *steward_build_stamp_bytes(void) {
    return steward_build_stamp;
}
