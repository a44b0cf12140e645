import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

/// The backup service's own logic (store, catalog, clean-up, verification verdicts, retention) on fakes: the
/// in-memory store, the fake runner and the scripted engine. Milliseconds each; the real engines have their own
/// tests on real files (BackupEngineTests) and in real-systemd scenarios.
@Suite struct BackupServiceFakeTests {
    // MARK: - Backup

    @Test func aBackupIsWrittenUnderAPartialNameCommittedAndCataloguedWithItsProgress() async throws {
        let fakes = try BackupFakes()
        let progress = BackupProgressLog()
        let record = try await fakes.service.backup(fakes.source, store: fakes.store, reason: "manual", progress: progress.sink)
        #expect(record.path.hasPrefix("/store/app/prod/db-") && record.path.hasSuffix(".sqlite3"))
        #expect(fakes.files.paths == [record.path], "the partial file is gone, the backup is in place")
        #expect(fakes.files.text(record.path) == fakes.engine.payload)
        #expect(record.sha256 == (try fakes.files.sha256(record.path)).hex && record.sizeBytes == Int64(fakes.engine.payload.utf8.count))
        #expect(record.contents == BackupContents(tables: ["t": 3]))
        #expect(try fakes.service.state.records(app: "app").map(\.id) == [record.id])
        // The engine's tool wrote the partial file, named on the host (the tree's root prepended).
        let dump = try #require(fakes.runner.ran.first { $0.hasPrefix("fake-dump") })
        #expect(dump.contains("/mem/store/app/prod/.db-") && dump.contains(".partial-"))
        #expect(progress.lines == ["started backup app@prod/db", "bytes backup app@prod/db 18", "items backup app@prod/db 3 rows",
                                   "finished backup app@prod/db ok"])
    }

    @Test func theBytesWrittenAreSampledWhileTheEngineWrites() async throws {
        var fakes = try BackupFakes()
        fakes.service.progressInterval = .milliseconds(5)
        fakes.engine.payload = String(repeating: "x", count: 1000)
        let progress = BackupProgressLog()
        // The engine goes on once the half-written file was sampled (or after 10 s, and the expectation fails).
        fakes.engine.halfway = {
            for _ in 0..<2000 where !progress.lines.contains("bytes backup app@prod/db 500") { try? await Task.sleep(for: .milliseconds(5)) }
        }
        _ = try await fakes.service.backup(fakes.source, store: fakes.store, reason: "manual", progress: progress.sink)
        #expect(progress.lines.contains("bytes backup app@prod/db 500"), "\(progress.lines)")
        #expect(progress.lines.suffix(3) == ["bytes backup app@prod/db 1000", "items backup app@prod/db 3 rows", "finished backup app@prod/db ok"])
    }

    @Test func aFailingToolLeavesNoPartialFileNoRecordAndNoSecretInTheMessage() async throws {
        let fakes = try BackupFakes()
        fakes.runner.fail("fake-dump", stderr: "connection to postgresql://app:hunter2@db/app refused")
        let progress = BackupProgressLog()
        let outcomes = await fakes.service.backup([fakes.source], store: fakes.store, reason: "manual", progress: progress.sink)
        let error = try #require(outcomes.first?.error)
        #expect(error.contains("fake-dump exited 1") && !error.contains("hunter2"), "\(error)")
        #expect(outcomes.first?.record == nil)
        #expect(fakes.files.paths.isEmpty, "\(fakes.files.paths)")
        #expect(try fakes.service.state.records().isEmpty)
        #expect(progress.lines == ["started backup app@prod/db", "finished backup app@prod/db failed"])
    }

    @Test func aFullDiskAtCommitLeavesNoPartialFileAndNoRecord() async throws {
        let fakes = try BackupFakes()
        fakes.files.fail(.commit, "cannot sync /store/app/prod/.db.partial: No space left on device")
        await #expect(throws: StoreError.self) { _ = try await fakes.backup() }
        #expect(fakes.files.paths.isEmpty, "\(fakes.files.paths)")
        #expect(try fakes.service.state.records().isEmpty)
    }

    @Test func aStoreThatCannotBeCreatedStopsBeforeTheEngineRuns() async throws {
        let fakes = try BackupFakes()
        fakes.files.fail(.makeDirectory, "/store is writable by other users or owned by another user")
        await #expect(throws: StoreError.self) { _ = try await fakes.backup() }
        #expect(fakes.log.all.isEmpty, "\(fakes.log.all)")
    }

    @Test func oneFailingSourceDoesNotStopTheOthers() async throws {
        let fakes = try BackupFakes()
        var other = fakes.source
        other.name = "second"
        fakes.runner.fail("fake-dump /mem/store/app/prod/.db-")
        let outcomes = await fakes.service.backup([fakes.source, other], store: fakes.store, reason: "nightly")
        #expect(outcomes.map { $0.record == nil } == [true, false])
        #expect(try fakes.service.state.records().map(\.source) == ["second"])
    }

    // MARK: - Verify

    @Test func aVerificationThatFindsWhatWasBackedUpPassesAndIsRecorded() async throws {
        let fakes = try BackupFakes()
        let record = try await fakes.backup()
        let progress = BackupProgressLog()
        let v = await fakes.service.verify(record, source: fakes.source, store: fakes.store, quick: false, progress: progress.sink)
        #expect(v.passed, "\(v.message)")
        #expect(v.message == "restored by the fake engine; 1 table, 3 rows match the source at backup time")
        #expect(try fakes.service.state.record(id: record.id)?.lastVerification?.passed == true)
        #expect(fakes.files.isDirectory("/store/.scratch"))
        #expect(progress.lines == ["started verify #\(record.id)", "finished verify #\(record.id) ok"])
    }

    @Test func aChangedFileFailsVerificationBeforeTheEngineTrustsIt() async throws {
        let fakes = try BackupFakes()
        let record = try await fakes.backup()
        fakes.files.write(record.path, "tampered")
        let v = await fakes.service.verify(record, source: fakes.source, store: fakes.store, quick: false)
        #expect(!v.passed && v.message.hasPrefix("checksum mismatch: \(record.path) changed since the backup"), "\(v.message)")
        #expect(fakes.log.only("engine verify").isEmpty)
        #expect(try fakes.service.state.record(id: record.id)?.verificationStatus == "FAILED")
    }

    @Test func aRestoredCopyThatDiffersFromTheRecordedCountsFailsVerification() async throws {
        let fakes = try BackupFakes()
        let record = try await fakes.backup()
        fakes.engine.restored = BackupContents(tables: ["t": 2])
        let v = await fakes.service.verify(record, source: fakes.source, store: fakes.store, quick: false)
        #expect(!v.passed && v.message.hasPrefix("the restored copy differs from the source at backup time"), "\(v.message)")
    }

    @Test func aMissingFileOrAFailingToolFailsVerification() async throws {
        let fakes = try BackupFakes()
        let record = try await fakes.backup()
        fakes.runner.fail("fake-verify", stderr: "pg_restore: error: input file is too short")
        let failed = await fakes.service.verify(record, source: fakes.source, store: fakes.store, quick: false)
        #expect(!failed.passed && failed.message.contains("input file is too short"), "\(failed.message)")
        fakes.files.removeQuietly(record.path)
        let missing = await fakes.service.verify(record, source: fakes.source, store: fakes.store, quick: false)
        #expect(!missing.passed && missing.message == "the file \(record.path) is missing")
        #expect(try fakes.service.state.record(id: record.id)?.lastVerification?.passed == false)
    }

    // MARK: - Prune

    @Test func pruneKeepsTheNewestAndBackupsInUseAndDeletesTheRestFilesFirstInTheCatalog() async throws {
        let fakes = try BackupFakes()
        var records: [BackupRecord] = []
        for _ in 0..<4 { records.append(try await fakes.backup()) }
        let leases = try fakes.service.state.lease([records[0].id], purpose: "restore")
        let keepOne = Retention(last: 1, daily: 0, weekly: 0)
        let all = try fakes.service.state.records()
        // A dry run deletes nothing.
        let planned = try fakes.service.prune(all, retention: { _ in keepOne }, dryRun: true)
        #expect(Set(planned.flatMap(\.deleted).map(\.id)) == [records[1].id, records[2].id])
        #expect(fakes.files.paths.count == 4)
        let progress = BackupProgressLog()
        _ = try fakes.service.prune(all, retention: { _ in keepOne }, dryRun: false, progress: progress.sink)
        #expect(Set(fakes.files.paths) == [records[0].path, records[3].path])
        #expect(Set(try fakes.service.state.records().map(\.id)) == [records[0].id, records[3].id])
        #expect(progress.lines == ["started prune", "items prune 2 backups", "finished prune ok"])
        fakes.service.state.release(leases)
    }

    @Test func aFileThatCannotBeDeletedStopsPruneWithTheCatalogEntryGoneAndTheFileKept() async throws {
        let fakes = try BackupFakes()
        let old = try await fakes.backup()
        _ = try await fakes.backup()
        fakes.files.fail(.remove, "cannot remove \(old.path): Read-only file system")
        #expect(throws: StoreError.self) {
            _ = try fakes.service.prune(try fakes.service.state.records(), retention: { _ in Retention(last: 1, daily: 0, weekly: 0) }, dryRun: false)
        }
        // An orphan file (found and reported by the audit), never a catalog entry without its file.
        #expect(try fakes.service.state.record(id: old.id) == nil)
        #expect(fakes.files.exists(old.path))
    }
}
