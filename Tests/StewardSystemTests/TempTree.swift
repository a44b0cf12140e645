import Foundation

/// A unique temporary directory tree for one test, removed when the test ends (GRDB's hermetic-but-real style).
final class TempTree {
    let root: String

    /// Under `base`: the temporary directory, or a memory-backed one for tests that write and sync a lot.
    init(base: String = FileManager.default.temporaryDirectory.path) throws {
        root = base + "/steward-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Writes `text` at `path` (relative to the root), creating directories, with `mode`.
    @discardableResult
    func write(_ path: String, _ text: String, mode: Int = 0o644) throws -> String {
        let full = root + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
        return full
    }

    func mkdir(_ path: String, mode: Int = 0o755) throws {
        try FileManager.default.createDirectory(atPath: root + path, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: root + path)
    }

    func symlink(_ path: String, to target: String) throws {
        try FileManager.default.createDirectory(atPath: ((root + path) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + path, withDestinationPath: target)
    }

    /// Runs a program synchronously (for test setup only: git init and the like).
    @discardableResult
    func sh(_ argv: [String], cwd: String? = nil, env: [String: String] = [:]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: root + cwd) }
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}
