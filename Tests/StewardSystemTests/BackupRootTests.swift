import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

/// A backup service whose host files are a tree under a root (as the probes' ``HostFiles`` read one): sources, the
/// store and the catalog's paths are the tree's own (`/app/app.db`, `/store/…`), and every real engine reads and
/// writes under the root. Real SQLite, tar and files.
@Suite struct BackupRootTests {
    func service(_ tree: TempTree) throws -> BackupService {
        BackupService(state: try StateStore(path: tree.root + "/var/lib/steward/state.db"), files: HostFiles(root: tree.root), runner: NoSystemctl())
    }

    @Test func aSQLiteSourceIsBackedUpVerifiedAndRestoredUnderTheRoot() async throws {
        let tree = try TempTree()
        try tree.mkdir("/app")
        _ = try StateProbe.exec(tree.root + "/app/app.db", "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);")
        let service = try service(tree)
        let source = BackupSource(app: "app", instance: "", name: "db", kind: .sqlite, path: "/app/app.db")
        let record = try await service.backup(source, store: "/store", reason: "manual")
        #expect(record.path.hasPrefix("/store/app/_/db-"), "the catalog records the tree's path: \(record.path)")
        #expect(FileManager.default.fileExists(atPath: tree.root + record.path))
        #expect(record.contents.tables == ["t": 2])
        let v = await service.verify(record, source: source, store: "/store", quick: false)
        #expect(v.passed, "\(v.message)")
        _ = try StateProbe.exec(tree.root + "/app/app.db", "INSERT INTO t VALUES (3);")
        _ = try await RestoreService(service: service, store: "/store").apply(record, source: source, tools: ToolRunner())
        #expect(try SQLiteEngine.tableCounts(file: tree.root + "/app/app.db") == ["t": 2])
    }

    @Test func aDirectoryAndAConfigSnapshotAreArchivedUnderTheirOwnNamesAndRestoredUnderTheRoot() async throws {
        let tree = try TempTree()
        try tree.write("/srv/media/a.txt", "hello")
        try tree.write("/etc/app/prod.env", "PORT=1\n", mode: 0o600)
        let service = try service(tree)
        let media = BackupSource(app: "app", instance: "prod", name: "media", kind: .files, path: "/srv/media")
        let config = BackupSource(app: "app", instance: "prod", name: "config", kind: .config, files: ["/etc/app/prod.env"])
        let mediaRecord = try await service.backup(media, store: "/store", reason: "manual")
        let configRecord = try await service.backup(config, store: "/store", reason: "manual")
        #expect(mediaRecord.contents == BackupContents(files: 1, bytes: 5) && configRecord.contents == BackupContents(files: 1, bytes: 7))
        for record in [mediaRecord, configRecord] {
            let v = await service.verify(record, source: nil, store: "/store", quick: false)
            #expect(v.passed, "\(v.message)")
        }
        // The snapshot's member is the file's path in the tree, not on the host.
        let listing = Process()
        let pipe = Pipe()
        listing.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        listing.arguments = ["--list", "--gzip", "--file=\(tree.root + configRecord.path)"]
        listing.standardOutput = pipe
        try listing.run()
        listing.waitUntilExit()
        #expect(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "etc/app/prod.env\n")
        try tree.write("/srv/media/a.txt", "changed")
        try tree.write("/etc/app/prod.env", "PORT=2\n", mode: 0o600)
        let restore = RestoreService(service: service, store: "/store")
        let (_, cleanup) = try await restore.apply(mediaRecord, source: media, tools: ToolRunner())
        await cleanup?()
        _ = try await restore.apply(configRecord, source: config, tools: ToolRunner(runner: NoSystemctl()))
        #expect(try String(contentsOfFile: tree.root + "/srv/media/a.txt", encoding: .utf8) == "hello")
        #expect(try String(contentsOfFile: tree.root + "/etc/app/prod.env", encoding: .utf8) == "PORT=1\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tree.root + "/srv").sorted() == ["media"], "nothing left beside the data")
    }
}
