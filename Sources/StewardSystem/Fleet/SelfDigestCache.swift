import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The SHA-256 of Steward's own executable, remembered between runs: hashing the ~100 MB binary takes 0.4-1 s, and a
/// fleet run needs it on the controller (what to compare hosts' copies with) and on every host (each agent checks it
/// is the controller's build before it runs anything). Without the cache that second is paid by every run, on every
/// host.
///
/// The entry is keyed by what changes when the file does: device, inode, size, modification and change times of the
/// running executable (`stat` of `/proc/self/exe`, the inode this process runs even if its path was replaced). A
/// running executable cannot be written (ETXTBSY), and any write after it stops moves the change time, which no
/// caller can set back, so a matching key means the same bytes.
///
/// It holds a few entries, one line each, the latest first: a controller that is also one of its fleet's hosts runs
/// two copies (`/usr/bin/steward` and the fleet's `/var/lib/steward/bin/steward`), and one entry would make each
/// run of either hash again.
///
/// It is root's own: a directory and file only Steward's user can write (checked, never followed through a link).
/// An entry anyone else could have written would let them name the hash a host's agent compares with. Anything
/// wrong with the cache (missing, foreign, unreadable, stale) means the binary is hashed again; the cache never
/// makes a run fail.
public struct SelfDigestCache: Sendable, Equatable {
    public var directory: String
    public var file: String { directory + "/self-sha256" }

    public init(directory: String = SelfDigestCache.defaultDirectory) {
        self.directory = directory
    }

    /// Beside the state database and the hosts' copies of the binary, not on any app's path.
    public static let defaultDirectory = "/var/cache/steward"

    /// What identifies the bytes of a file without reading them.
    public struct Key: Sendable, Equatable {
        public var device: UInt64
        public var inode: UInt64
        public var size: Int64
        public var modified: timespec
        public var changed: timespec

        public init(_ st: stat) {
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
            size = Int64(st.st_size)
            modified = st.st_mtim
            changed = st.st_ctim
        }

        /// `v1 DEV INO SIZE MSEC MNSEC CSEC CNSEC`: the entry's line before its hex digest.
        var line: String {
            "v1 \(device) \(inode) \(size) \(modified.tv_sec) \(modified.tv_nsec) \(changed.tv_sec) \(changed.tv_nsec)"
        }

        /// `v1 DEV INO `: what every entry of this file starts with, whatever its size and times.
        var fileLine: String { "v1 \(device) \(inode) " }

        public static func == (a: Key, b: Key) -> Bool { a.line == b.line }
    }

    /// The key of the executable this process runs.
    public static func runningKey() -> Key? {
        var st = stat()
        guard stat(SelfBinary.runningExecutable, &st) == 0 else { return nil }
        return Key(st)
    }

    /// The remembered digest for `key`, or nil (no entry, another key, or a file Steward's user does not alone own).
    public func lookup(_ key: Key) -> String? {
        guard let text = readOwn() else { return nil }
        return Self.digest(in: text, for: key)
    }

    /// Entries kept: the latest ones.
    public static let maxEntries = 4

    /// The file's text, if it is a regular file of Steward's user that no one else can write.
    func readOwn() -> String? {
        guard directoryIsOwn(create: false) else { return nil }
        let fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == geteuid(), st.st_mode & 0o022 == 0,
              st.st_size < 4096 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }

    /// Remembers `hex` for `key`: written beside the entry and renamed over it, so a reader sees the old entry or
    /// the new. Best effort: false when it could not be written.
    @discardableResult
    public func store(_ hex: String, for key: Key) -> Bool {
        guard directoryIsOwn(create: true) else { return false }
        let temporary = file + ".\(getpid()).tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        let bytes = Array(Self.entries(adding: key.line + " " + hex, to: readOwn() ?? "", sameFile: key.fileLine).utf8)
        let written = write(fd, bytes, bytes.count)
        close(fd)
        guard written == bytes.count, rename(temporary, file) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }

    /// The digest of the entry whose key is `key` in the file's text: pure, for the tests.
    static func digest(in text: String, for key: Key) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix(key.line + " ") {
            let hex = String(line.dropFirst(key.line.count + 1))
            guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
            return hex
        }
        return nil
    }

    /// The file's new text: `entry` first, then the older entries of other files (an older entry of the same file,
    /// `v1 DEV INO `, is what the new one replaces), at most ``maxEntries`` lines.
    static func entries(adding entry: String, to text: String, sameFile: String) -> String {
        let older = text.split(separator: "\n").filter { $0.hasPrefix("v1 ") && !$0.hasPrefix(sameFile) }.map(String.init)
        return ([entry] + older).prefix(maxEntries).joined(separator: "\n") + "\n"
    }

    /// The directory exists (made 0700 when `create`), is a directory and not a link, belongs to Steward's user and
    /// no one else can write it.
    func directoryIsOwn(create: Bool) -> Bool {
        if create, mkdir(directory, 0o700) != 0, errno != EEXIST { return false }
        var st = stat()
        guard lstat(directory, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR && st.st_uid == geteuid() && st.st_mode & 0o022 == 0
    }
}
