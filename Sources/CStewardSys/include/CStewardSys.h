#ifndef C_STEWARD_SYS_H
#define C_STEWARD_SYS_H

/// Makes clone3(2) fail with ENOSYS in this process (every thread) and its children, with a seccomp filter.
/// Returns 0, or -1 with errno set (the filter is then not installed).
///
/// Why: swift-subprocess creates children with a raw clone3 syscall, so glibc's thread list is not reset in the
/// child. When the child then drops privileges (setgroups, setgid, setuid go through glibc's setxid broadcast to
/// "all threads"), it can wait forever for a thread of the parent that was being created at that instant. With
/// clone3 unavailable, swift-subprocess falls back to glibc's fork(), which resets the list; glibc's own
/// pthread_create and posix_spawn fall back to clone as well (Docker's default profile does the same).
int steward_refuse_clone3(void);

/// Names the calling thread (at most 15 bytes are kept), as `ps -L` and /proc/PID/task/TID/comm show it:
/// Foundation's Thread.name does not reach the kernel on Linux, and glibc's pthread_setname_np needs _GNU_SOURCE.
int steward_name_thread(const char *name);

/// Gives the free memory of every malloc arena back to the kernel (glibc's malloc_trim(0): free pages inside the
/// heaps too, not only at their tops). Returns 1 when some memory was released. Not in Swift's Glibc module.
int steward_trim_heap(void);
/* mallopt(M_ARENA_MAX, count): 1 when set. */
int steward_limit_malloc_arenas(int count);

/// The size of the build stamp section (`.steward_build`), which `scripts/package` fills after linking with
/// `objcopy --update-section` (see build_stamp.c). The bytes are text up to the first NUL.
#define STEWARD_BUILD_STAMP_SIZE 256

/// The build stamp's STEWARD_BUILD_STAMP_SIZE bytes: "steward-build/1\ncommit=HEX\ndate=ISO8601\n" then NULs in a
/// packaged binary, "steward-build/unstamped" in one built from source.
const char *steward_build_stamp_bytes(void);

#endif
