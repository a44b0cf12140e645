import Crypto
import Foundation
import StewardCore

/// Keeps a Compose project's `.env` before a deploy and puts it back on an undo (``ComposeEnvSnapshot``). The file is
/// in the project's tree: it is read and written through the directory opened without following links (a link
/// planted as `.env` is refused, not followed), bounded, and the copy lives in a root-only directory of Steward's.
enum ComposeEnvFile {
    static let limit = 1 << 20

    /// Copies `directory/.env` (nil when there is none) to `<state>/compose-env/<deploy>.env`, mode 0600.
    static func snapshot(directory: String, name: String = ".env", stateDirectory: String, deploy id: Int64) throws -> ComposeEnvSnapshot? {
        let dir = try SafePath.openDirectory(directory, trusting: ownerOf(directory))
        let fd = openat(dir.fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw StoreError(errno == ELOOP ? "\(directory)/\(name) is a symbolic link; root does not read through it" : "cannot open \(directory)/.env: \(StoreFiles.errnoText())")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw StoreError("cannot read \(directory)/.env: \(StoreFiles.errnoText())") }
        let bytes = try BoundedFile.read(descriptor: fd, limit: limit, display: directory + "/" + name)
        let path = try keep(bytes, stateDirectory: stateDirectory, deploy: id)
        return ComposeEnvSnapshot(path: path, sha256: hex(bytes), uid: st.st_uid, gid: st.st_gid, mode: UInt32(st.st_mode & 0o7777))
    }

    /// Puts the snapshot back as `directory/.env` when the file differs from it now (or is gone); returns whether it
    /// wrote. The file gets the owner and mode it had.
    @discardableResult
    static func restore(_ snapshot: ComposeEnvSnapshot, directory: String, name: String = ".env") throws -> Bool {
        let saved = try BoundedFile.read(snapshot.path, limit: limit)
        let dir = try SafePath.openDirectory(directory, trusting: ownerOf(directory))
        let fd = openat(dir.fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        if fd >= 0 {
            defer { close(fd) }
            if let now = try? BoundedFile.read(descriptor: fd, limit: limit, display: directory + "/" + name), hex(now) == snapshot.sha256 { return false }
        }
        try SafeWrite.replace(name, in: dir.fd, display: dir.path, owner: (uid_t(snapshot.uid), gid_t(snapshot.gid)), mode: mode_t(snapshot.mode)) { out in
            let written = saved.withUnsafeBytes { write(out, $0.baseAddress, $0.count) }
            guard written == saved.count else { throw StoreError("cannot write \(directory)/.env: \(StoreFiles.errnoText())") }
        }
        return true
    }

    /// Another deploy's snapshot copied as this one's (the last good `.env`, which the next success replaces).
    static func copy(_ snapshot: ComposeEnvSnapshot, stateDirectory: String, deploy id: Int64) throws -> ComposeEnvSnapshot? {
        guard let bytes = try? BoundedFile.read(snapshot.path, limit: limit), hex(bytes) == snapshot.sha256 else { return nil }
        var copy = snapshot
        copy.path = try keep(bytes, stateDirectory: stateDirectory, deploy: id)
        return copy
    }

    /// Writes `bytes` as `<state>/compose-env/<deploy>.env`, a new root-only file in a root-only directory.
    static func keep(_ bytes: Data, stateDirectory: String, deploy id: Int64) throws -> String {
        let store = stateDirectory + "/compose-env"
        try StoreFiles.makeDirectory(store, mode: 0o700)
        let path = store + "/\(id).env"
        unlink(path)
        let out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw StoreError("cannot write \(path): \(StoreFiles.errnoText())") }
        defer { close(out) }
        let written = bytes.withUnsafeBytes { write(out, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(out) == 0 else { throw StoreError("cannot write \(path): \(StoreFiles.errnoText())") }
        return path
    }

    static func discard(_ snapshot: ComposeEnvSnapshot?) {
        if let snapshot { unlink(snapshot.path) }
    }

    static func ownerOf(_ path: String) -> uid_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_uid : nil
    }

    static func hex(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
}
