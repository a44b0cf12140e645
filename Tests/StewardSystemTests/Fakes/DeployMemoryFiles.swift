import Crypto
import Foundation
import StewardCore
@testable import StewardSystem

/// An app's tree in memory, as the deploy engine sees it (``DeployFileSystem``): files (bytes, mode, owner),
/// directories and symbolic links by path. Links are followed where the host's calls follow them (`stat`, `realpath`,
/// a bounded read) and never where the hardened ones refuse them (the venv's stamp is read and replaced without
/// following a link in its place; a remove takes the link, not what it points at). Everything belongs to root unless
/// a test says otherwise. Whether something exists under one of ``onDisk`` (the app's SQLite database, which the real
/// backup engine reads) the disk answers, so the deploy's view and the backups' agree as on a host.
final class DeployMemoryFiles: DeployFileSystem, @unchecked Sendable {
    enum Node {
        case file(Data, mode: mode_t)
        case directory(mode: mode_t)
        case link(String)
    }

    private let lock = NSLock()
    private var nodes: [String: Node] = ["/": .directory(mode: 0o755)]
    private var owners: [String: (uid: uid_t, gid: gid_t)] = [:]
    private var written: [String] = []
    let onDisk: [String]

    init(onDisk: [String] = []) { self.onDisk = onDisk }

    // MARK: - A test's hands

    /// A file, with its parent directories.
    func write(_ path: String, _ text: String, mode: mode_t = 0o644) {
        lock.withLock {
            makeParents(path)
            nodes[path] = .file(Data(text.utf8), mode: mode)
        }
    }

    /// A directory, with its parents.
    func mkdir(_ path: String) { lock.withLock { makeParents(path + "/x") } }

    /// A symbolic link at `path` holding `destination`.
    func symlink(_ path: String, to destination: String) {
        lock.withLock {
            makeParents(path)
            nodes[path] = .link(destination)
        }
    }

    /// The text of the file at `path` (not following a link there); nil when there is none.
    func text(_ path: String) -> String? {
        lock.withLock { if case .file(let data, _)? = nodes[path] { String(decoding: data, as: UTF8.self) } else { nil } }
    }

    func node(_ path: String) -> Node? { lock.withLock { nodes[path] } }

    /// What the engine wrote or replaced (files and links), in order.
    var writes: [String] { lock.withLock { written } }

    func chown(_ path: String, uid: uid_t, gid: gid_t) { lock.withLock { owners[path] = (uid, gid) } }

    private func makeParents(_ path: String) {
        var parent = (path as NSString).deletingLastPathComponent
        while parent != "/" && !parent.isEmpty {
            if nodes[parent] == nil { nodes[parent] = .directory(mode: 0o755) }
            parent = (parent as NSString).deletingLastPathComponent
        }
    }

    // MARK: - Paths

    /// `path` with every link on the way resolved (the last one too when `followLast`); nil when a component is
    /// missing or the links loop.
    private func resolve(_ path: String, followLast: Bool = true) -> String? {
        var pending = path.split(separator: "/").map(String.init)
        var resolved: [String] = []
        var links = 0
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == "." || name.isEmpty { continue }
            if name == ".." { if !resolved.isEmpty { resolved.removeLast() }; continue }
            let here = "/" + (resolved + [name]).joined(separator: "/")
            guard let node = nodes[here] else { return nil }
            if case .link(let destination) = node, followLast || !pending.isEmpty {
                links += 1
                guard links <= 40 else { return nil }
                if destination.hasPrefix("/") { resolved = [] }
                pending = destination.split(separator: "/").map(String.init) + pending
                continue
            }
            resolved.append(name)
        }
        return "/" + resolved.joined(separator: "/")
    }

    private func missing(_ path: String) -> StoreError { StoreError("cannot open \(path): No such file or directory") }

    // MARK: - DeployFileSystem

    func exists(_ path: String) -> Bool {
        if onDisk.contains(where: { path.hasPrefix($0 + "/") }) { return FileManager.default.fileExists(atPath: path) }
        return lock.withLock { resolve(path) != nil }
    }

    func isExecutable(_ path: String) -> Bool {
        lock.withLock {
            switch resolve(path).flatMap({ nodes[$0] }) {
            case .file(_, let mode)?: mode & 0o111 != 0
            case .directory?: true
            default: false
            }
        }
    }

    func readLink(_ path: String) -> String? {
        lock.withLock {
            guard let at = resolve(path, followLast: false), case .link(let destination)? = nodes[at] else { return nil }
            return destination
        }
    }

    func resolved(_ path: String) -> String? { lock.withLock { resolve(path) } }

    func status(_ path: String) -> (uid: uid_t, gid: gid_t, mode: mode_t)? {
        lock.withLock {
            guard let at = resolve(path), let node = nodes[at] else { return nil }
            let owner = owners[at] ?? (0, 0)
            return switch node {
            case .file(_, let mode), .directory(let mode): (owner.uid, owner.gid, mode)
            case .link: nil
            }
        }
    }

    func list(_ directory: String) throws -> [String] {
        try lock.withLock {
            guard let at = resolve(directory), case .directory? = nodes[at] else { throw missing(directory) }
            let prefix = at == "/" ? "/" : at + "/"
            return nodes.keys.filter { $0.hasPrefix(prefix) && $0 != at && !$0.dropFirst(prefix.count).contains("/") }
                .map { String($0.dropFirst(prefix.count)) }.sorted()
        }
    }

    func sha256(_ path: String) throws -> String {
        try lock.withLock {
            guard let at = resolve(path), case .file(let data, _)? = nodes[at] else { throw missing(path) }
            return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }
    }

    func text(_ name: String, in directory: String, limit: Int) throws -> String {
        try lock.withLock {
            guard let dir = resolve(directory) else { throw missing(directory) }
            switch nodes[dir + "/" + name] {
            case .file(let data, _)?:
                guard data.count <= limit else { throw FileError.tooLarge(directory + "/" + name, limit: limit) }
                return String(decoding: data, as: UTF8.self)
            case .link?: throw StoreError("\(directory)/\(name) is a symbolic link; root does not read through it")
            default: throw missing(directory + "/" + name)
            }
        }
    }

    func replace(_ name: String, in directory: String, with data: Data) throws {
        try lock.withLock {
            guard let dir = resolve(directory), case .directory? = nodes[dir] else { throw missing(directory) }
            nodes[dir + "/" + name] = .file(data, mode: 0o644)
            written.append(dir + "/" + name)
        }
    }

    func replaceLink(_ link: String, with destination: String, temporary: String) throws {
        try lock.withLock {
            let parent = (link as NSString).deletingLastPathComponent
            guard let dir = resolve(parent), case .directory? = nodes[dir] else { throw StoreError("cannot create \(temporary): No such file or directory") }
            nodes[dir + "/" + (link as NSString).lastPathComponent] = .link(destination)
            written.append(link)
        }
    }

    func removeQuietly(_ path: String) {
        lock.withLock {
            guard let at = resolve(path, followLast: false) else { return }
            nodes = nodes.filter { $0.key != at && !$0.key.hasPrefix(at + "/") }
        }
    }
}
