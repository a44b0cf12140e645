import Foundation
import Testing
@testable import StewardSystem
#if canImport(Glibc)
import Glibc
#endif

/// The cached digest of Steward's own executable: found only under the same file's key, and only in a file and
/// directory Steward's user alone can write; anything else means hashing again, never a wrong digest.
@Suite struct SelfDigestCacheTests {
    static func tempDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.path + "/steward-digest-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        return dir
    }

    static func key(of path: String) throws -> SelfDigestCache.Key {
        var st = stat()
        try #require(stat(path, &st) == 0)
        return SelfDigestCache.Key(st)
    }

    static let hex = String(repeating: "0123456789abcdef", count: 4)

    @Test func anEntryIsFoundOnlyUnderItsOwnFilesKey() throws {
        let dir = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = SelfDigestCache(directory: dir + "/cache")
        FileManager.default.createFile(atPath: dir + "/binary", contents: Data("one".utf8))
        let key = try Self.key(of: dir + "/binary")
        #expect(cache.lookup(key) == nil)
        #expect(cache.store(Self.hex, for: key))
        #expect(cache.lookup(key) == Self.hex)
        // Made for it, root's alone.
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/cache")
        #expect(attributes[.posixPermissions] as? Int == 0o700)
        #expect(try FileManager.default.attributesOfItem(atPath: cache.file)[.posixPermissions] as? Int == 0o600)

        // The file written again (same size): its change time moved, so the entry is not its own any more.
        usleep(10_000)
        try Data("two".utf8).write(to: URL(fileURLWithPath: dir + "/binary"))
        let changed = try Self.key(of: dir + "/binary")
        #expect(changed != key)
        #expect(cache.lookup(changed) == nil)
    }

    /// Two copies run in turn (a controller that is also one of its hosts): each keeps its own entry; a file
    /// changed replaces its old entry; no more than the latest few are kept.
    @Test func severalFilesKeepTheirEntries() throws {
        let dir = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = SelfDigestCache(directory: dir + "/cache")
        var keys: [SelfDigestCache.Key] = []
        for i in 0..<6 {
            FileManager.default.createFile(atPath: dir + "/binary\(i)", contents: Data("\(i)".utf8))
            keys.append(try Self.key(of: dir + "/binary\(i)"))
        }
        let digests = (0..<6).map { String(repeating: String($0), count: 64) }
        #expect(cache.store(digests[0], for: keys[0]) && cache.store(digests[1], for: keys[1]))
        #expect(cache.lookup(keys[0]) == digests[0] && cache.lookup(keys[1]) == digests[1])
        // binary0 written again: its new entry replaces the old one.
        usleep(10_000)
        try Data("0b".utf8).write(to: URL(fileURLWithPath: dir + "/binary0"))
        let rewritten = try Self.key(of: dir + "/binary0")
        #expect(cache.store(digests[5], for: rewritten))
        #expect(cache.lookup(rewritten) == digests[5] && cache.lookup(keys[0]) == nil && cache.lookup(keys[1]) == digests[1])
        for i in 2..<6 { #expect(cache.store(digests[i], for: keys[i])) }
        let lines = try String(contentsOfFile: cache.file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == SelfDigestCache.maxEntries)
        #expect(cache.lookup(keys[5]) == digests[5] && cache.lookup(keys[2]) == digests[2] && cache.lookup(keys[1]) == nil)
    }

    @Test func anEntryOthersCouldHaveWrittenIsIgnored() throws {
        let dir = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/binary", contents: Data("one".utf8))
        let key = try Self.key(of: dir + "/binary")

        // A group-writable entry.
        let cache = SelfDigestCache(directory: dir + "/cache")
        #expect(cache.store(Self.hex, for: key))
        chmod(cache.file, 0o620)
        #expect(cache.lookup(key) == nil)
        chmod(cache.file, 0o600)
        #expect(cache.lookup(key) == Self.hex)

        // A directory others can write: neither read nor written.
        chmod(dir + "/cache", 0o777)
        #expect(cache.lookup(key) == nil)
        #expect(!cache.store(Self.hex, for: key))
        chmod(dir + "/cache", 0o700)

        // The entry as a link to a file with a good line: not followed.
        try FileManager.default.moveItem(atPath: cache.file, toPath: dir + "/elsewhere")
        try FileManager.default.createSymbolicLink(atPath: cache.file, withDestinationPath: dir + "/elsewhere")
        #expect(cache.lookup(key) == nil)

        // The directory as a link.
        try FileManager.default.createSymbolicLink(atPath: dir + "/linked", withDestinationPath: dir + "/cache")
        #expect(SelfDigestCache(directory: dir + "/linked").lookup(key) == nil)
    }

    @Test func onlyAWholeLowercaseDigestUnderTheSameKeyIsRead() throws {
        let dir = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = try Self.key(of: dir)
        let line = key.line
        #expect(SelfDigestCache.digest(in: "\(line) \(Self.hex)\n", for: key) == Self.hex)
        #expect(SelfDigestCache.digest(in: "\(line) \(Self.hex.uppercased())\n", for: key) == nil)
        #expect(SelfDigestCache.digest(in: "\(line) \(Self.hex.dropLast())\n", for: key) == nil)
        #expect(SelfDigestCache.digest(in: "\(line)0 \(Self.hex)\n", for: key) == nil)
        #expect(SelfDigestCache.digest(in: "", for: key) == nil)
    }

    /// This test binary's digest through a cache: hashed the first time, the same from the cache, and the same as
    /// `sha256sum` says.
    @Test func theRunningExecutablesDigestIsCachedAndRight() throws {
        let dir = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = SelfDigestCache(directory: dir + "/cache")
        let first = try SelfBinary.digest(cache: cache)
        let key = try #require(SelfDigestCache.runningKey())
        #expect(cache.lookup(key) == first)
        #expect(try SelfBinary.digest(cache: cache) == first)
        #expect(first == (try StoreFiles.sha256(SelfBinary.runningExecutable).hex))
    }
}
