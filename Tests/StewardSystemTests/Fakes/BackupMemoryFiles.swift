import Crypto
import Foundation
@testable import StewardSystem

/// The backup store in memory: files (bytes) and directories by path. Tools see the tree under `/mem` (what
/// ``hostPath(_:)`` answers), so a test can tell a tool's argv uses host paths. A test makes an operation fail
/// (``fail(_:)``: a full disk on commit, a file that cannot be removed).
final class BackupMemoryFiles: BackupFileSystem, @unchecked Sendable {
    enum Operation: Hashable { case makeDirectory, commit, remove }

    private let lock = NSLock()
    private var files: [String: Data] = [:]
    private var directories: Set<String> = ["/"]
    private var failing: [Operation: String] = [:]

    /// Makes every `operation` throw a ``StoreError`` saying `message`.
    func fail(_ operation: Operation, _ message: String) { lock.withLock { failing[operation] = message } }

    func write(_ path: String, _ text: String) { write(path, Data(text.utf8)) }
    func write(_ path: String, _ data: Data) { lock.withLock { files[path] = data } }
    func data(_ path: String) -> Data? { lock.withLock { files[path] } }
    /// Every file's path, sorted.
    var paths: [String] { lock.withLock { files.keys.sorted() } }
    func isDirectory(_ path: String) -> Bool { lock.withLock { directories.contains(path) } }

    /// A path a tool was given (`/mem/…`) as the tree's own.
    static func path(fromHost host: String) -> String { host.hasPrefix("/mem/") ? String(host.dropFirst(4)) : host }

    private func check(_ operation: Operation) throws {
        if let message = lock.withLock({ failing[operation] }) { throw StoreError(message) }
    }

    func hostPath(_ path: String) -> String { "/mem" + path }

    func makeDirectory(_ path: String, mode: mode_t) throws {
        try check(.makeDirectory)
        lock.withLock {
            var p = path
            while p != "/" && !p.isEmpty {
                directories.insert(p)
                p = (p as NSString).deletingLastPathComponent
            }
        }
    }

    func removeStalePartials(in directory: String) {
        lock.withLock { files = files.filter { !($0.key.hasPrefix(directory + "/.") && $0.key.contains(".partial-")) } }
    }

    func exists(_ path: String) -> Bool { lock.withLock { files[path] != nil || directories.contains(path) } }

    func size(_ path: String) -> Int64? { lock.withLock { files[path].map { Int64($0.count) } } }

    func sha256(_ path: String) throws -> (hex: String, size: Int64) {
        guard let data = data(path) else { throw StoreError("cannot open \(path): No such file or directory") }
        return (SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined(), Int64(data.count))
    }

    func commit(_ partial: String, to final: String) throws {
        try check(.commit)
        try lock.withLock {
            guard let data = files[partial] else { throw StoreError("cannot open \(partial): No such file or directory") }
            guard files[final] == nil else { throw StoreError("cannot rename into \(final): File exists") }
            files[final] = data
            files[partial] = nil
        }
    }

    func remove(_ path: String) throws {
        try check(.remove)
        removeQuietly(path)
    }

    func removeQuietly(_ path: String) {
        lock.withLock {
            files = files.filter { $0.key != path && !$0.key.hasPrefix(path + "/") }
            directories = directories.filter { $0 != path && !$0.hasPrefix(path + "/") }
        }
    }

    func text(_ path: String) -> String? { data(path).map { String(decoding: $0, as: UTF8.self) } }

    func regularFiles(under directory: String) -> [(inode: UInt64, size: Int64)] {
        lock.withLock {
            files.filter { $0.key.hasPrefix(directory + "/") }.sorted { $0.key < $1.key }
                .map { (UInt64(bitPattern: Int64($0.key.hashValue)), Int64($0.value.count)) }
        }
    }
}
