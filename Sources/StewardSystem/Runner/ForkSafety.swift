import CStewardSys
import Foundation

/// Children that drop privileges must not hang before they exec.
///
/// swift-subprocess starts children with a raw `clone3`, which leaves glibc's list of threads as the parent had it.
/// A child that then sets its groups and ids (``CommandRunner`` runs app code as the app's user) goes through glibc's
/// "set on every thread" path, and waits forever for a thread of the parent that was being created at that instant
/// (the statvfs pool, a lease's renewal thread, a dispatch worker): the spawn never returns and no timeout can fire,
/// since there is no child yet to kill. Seen as `steward audit` and `steward deploy` hanging with a child parked in
/// `setxid_mark_thread`. A seccomp filter makes `clone3` answer ENOSYS, so swift-subprocess falls back to glibc's
/// `fork()`, which resets that list in the child. Installed once, as root, before the first command runs; inherited
/// by children, whose glibc falls back to `clone` as under Docker's default profile.
enum ForkSafety {
    static let installed: Bool = geteuid() == 0 && steward_refuse_clone3() == 0
}
