/// Whether Steward, running as root, may act on a manifest or checks file.
///
/// A manifest is code for root: its `command:` checks run, its build steps and migration commands run, its
/// `deploy.user` chooses who runs them, and `backup schedule` writes its path into a root timer. A file that
/// another user can write (they own it, or its mode lets a group or others write it) would let that user run
/// commands as root, so root reads only files that root owns and only root can write.
public enum ConfigFileTrust {
    /// What is known of the opened file (from `fstat` of the descriptor that is then read, so nothing can be
    /// swapped between the check and the read).
    public struct Stat: Sendable, Equatable {
        public var ownerUID: UInt32
        public var ownerName: String?
        public var mode: Int
        public var isRegular: Bool
        public var size: Int64

        public init(ownerUID: UInt32, ownerName: String? = nil, mode: Int, isRegular: Bool, size: Int64) {
            self.ownerUID = ownerUID
            self.ownerName = ownerName
            self.mode = mode
            self.isRegular = isRegular
            self.size = size
        }
    }

    /// The largest manifest or checks file read: far above any real one, small enough that a planted device or
    /// a huge file cannot exhaust memory.
    public static let maxBytes: Int64 = 4 * 1024 * 1024

    /// Why the file must not be used, with the fix; nil when it may be. `runnerUID` is Steward's effective uid:
    /// only root is restricted, since an unprivileged Steward can do no more than its user already can.
    public static func refusal(path: String, stat: Stat, runnerUID: UInt32) -> String? {
        guard stat.isRegular else { return "\(path): not a regular file" }
        guard stat.size <= maxBytes else { return "\(path): \(stat.size) bytes, more than the \(maxBytes) a manifest may have" }
        guard runnerUID == 0 else { return nil }
        let quoted = Command.quote(path)
        if stat.ownerUID != 0 {
            let owner = stat.ownerName ?? "uid \(stat.ownerUID)"
            return "\(path): owned by \(owner), not root; Steward runs as root and would run the commands this file names "
                + "as root, so it reads only files root owns (fix: `chown root:root \(quoted) && chmod go-w \(quoted)`, "
                + "or keep the manifest in /etc/steward/steward.yml)"
        }
        if stat.mode & 0o022 != 0 {
            let who = stat.mode & 0o002 != 0 ? "everyone" : "its group"
            return "\(path): writable by \(who) (mode \(String(stat.mode & 0o7777, radix: 8))); Steward runs as root and "
                + "would run the commands this file names as root, so it reads only files only root can write "
                + "(fix: `chmod go-w \(quoted)`)"
        }
        return nil
    }
}
