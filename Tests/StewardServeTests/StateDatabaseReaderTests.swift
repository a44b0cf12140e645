import Foundation
import StewardCore
@testable import StewardServe
import StewardSystem
import Testing

/// The alert engine's reader of the state database, against real SQLite files: opened once and kept between reads,
/// "none" while there is no file, and opened anew when the file is removed or replaced.
@Suite struct StateDatabaseReaderTests {
    static func deploy(_ state: StateStore, ref: String) throws {
        _ = try state.insertDeploy(DeployRecord(app: "marb", instance: "prod", ref: ref, commit: "c" + ref, strategy: .releases,
                                                release: "/srv/marb/releases/" + ref, user: "alice", startedAt: Date(), pid: 1, host: "h"))
    }

    @Test func itFollowsTheFileAndKeepsOneConnectionBetweenReads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("state-reader-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.db"
        let reader = StateDatabaseReader(path: path)
        let refs = { try reader.read { try $0.deploys(app: "marb").map(\.ref) } }

        #expect(try refs() == nil, "no database yet")
        #expect(!reader.isOpen)
        var state: StateStore? = try StateStore(path: path)
        try Self.deploy(state!, ref: "v1")
        #expect(try refs() == ["v1"])
        #expect(reader.isOpen)
        try Self.deploy(state!, ref: "v2")
        #expect(try refs() == ["v2", "v1"], "the kept connection sees what the CLI wrote since")
        state = nil

        // Removed: none again, and the connection is dropped.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        #expect(try refs() == nil)
        #expect(!reader.isOpen)

        // Created again; then removed and created once more between two reads: the second read finds another
        // inode at the path and opens it, instead of reading the removed file through the connection it kept.
        var fresh: StateStore? = try StateStore(path: path)
        try Self.deploy(fresh!, ref: "v3")
        #expect(try refs() == ["v3"])
        fresh = nil
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        var again: StateStore? = try StateStore(path: path)
        try Self.deploy(again!, ref: "v4")
        again = nil
        #expect(reader.isOpen, "still the old file's connection")
        #expect(try refs() == ["v4"], "another inode at the same path is opened anew")
    }
}
