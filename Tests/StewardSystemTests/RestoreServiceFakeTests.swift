import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

/// A restore's steps and every way back, on fakes (the in-memory store, the fake runner for systemctl, the scripted
/// engine): a failure at each step leaves the data as it was or puts the previous state back, and the app runs
/// again. Milliseconds each; the real engines' restores are in RestoreSafetyTests and the racklab/marb scenarios.
@Suite struct RestoreServiceFakeTests {
    static let units = ["app.service", "app-worker.service"]

    /// A catalogued backup to restore, the app's units running, and the log cleared of the backup's own entries.
    func prepared(keepsPrevious: Bool = false) async throws -> (BackupFakes, BackupRecord) {
        let fakes = try BackupFakes()
        fakes.engine.keepsPrevious = keepsPrevious
        let record = try await fakes.backup()
        fakes.runner.running(Self.units)
        fakes.log.clear()
        return (fakes, record)
    }

    func restore(_ fakes: BackupFakes, _ record: BackupRecord, checks: [String?] = [nil], progress: BackupProgressLog? = nil) async -> RestoreService.Report {
        let answers = CheckAnswers(checks)
        let log = fakes.log
        return await fakes.restoreService().restore(record, source: fakes.source, units: Self.units, progress: progress?.sink) {
            log.add("checks")
            return answers.next()
        }
    }

    /// The engine calls, systemctl's stops and starts and the checks, in order.
    func story(_ fakes: BackupFakes) -> [String] {
        fakes.log.only("engine restore", "engine undo", "engine cleanup", "engine backup", "systemctl stop", "systemctl start", "checks")
            .map { entry in ["systemctl stop", "systemctl start"].first { entry.hasPrefix($0) } ?? entry }
    }

    @Test func aRestoreStopsTheAppSavesTheCurrentStateRestoresStartsAndChecks() async throws {
        let (fakes, record) = try await prepared(keepsPrevious: true)
        let progress = BackupProgressLog()
        let report = await restore(fakes, record, progress: progress)
        #expect(report.error == nil && report.restored && !report.rolledBack)
        let safety = try #require(report.safety)
        #expect(safety.reason == "safety" && safety.id != record.id)
        #expect(story(fakes) == ["systemctl stop", "engine backup app@prod/db", "engine restore #\(record.id)", "systemctl start", "checks",
                                 "engine cleanup #\(record.id)"])
        #expect(report.steps == ["backup #\(record.id) checksum ok", "stopped app.service, app-worker.service",
                                 "safety backup #\(safety.id) of the current state (18 B)", "restored #\(record.id) into /srv/app/app.db",
                                 "started app.service, app-worker.service", "checks pass"])
        #expect(progress.lines.filter { $0.hasPrefix("started") } == ["started checksum", "started stop", "started backup app@prod/db",
                                                                      "started restore #\(record.id)", "started start", "started checks"])
        #expect(try fakes.service.state.events(kind: "restore").map(\.result) == ["started", "restored"])
    }

    @Test func aChangedBackupFileStopsTheRestoreBeforeAnythingIsTouched() async throws {
        let (fakes, record) = try await prepared()
        fakes.files.write(record.path, "tampered")
        let report = await restore(fakes, record)
        #expect(report.error == "checksum mismatch: \(record.path) changed since the backup; nothing was changed")
        #expect(story(fakes) == [])
    }

    @Test func aKindThatChangedSinceTheBackupIsRefused() async throws {
        let (fakes, record) = try await prepared()
        var source = fakes.source
        source.kind = .postgres
        let report = await fakes.restoreService().restore(record, source: source, units: Self.units) { nil }
        #expect(report.error?.hasSuffix("is now postgres; nothing was changed") == true, "\(report.error ?? "")")
        #expect(story(fakes) == [])
    }

    @Test func aFailedStopLeavesTheDataAsItWasAndStartsTheAppAgain() async throws {
        let (fakes, record) = try await prepared()
        fakes.runner.fail("systemctl stop", stderr: "Job for app.service canceled.")
        let report = await restore(fakes, record)
        #expect(report.error?.hasPrefix("before the restore: systemctl exited 1: Job for app.service canceled.") == true, "\(report.error ?? "")")
        #expect(report.error?.hasSuffix("the data was not changed") == true)
        #expect(story(fakes) == ["systemctl stop", "systemctl start"])
        #expect(!report.restored && report.safety == nil)
        #expect(try fakes.service.state.events(kind: "restore").map(\.result) == ["started", "not started"])
    }

    @Test func aFailedSafetyBackupLeavesTheDataAsItWasAndStartsTheAppAgain() async throws {
        let (fakes, record) = try await prepared()
        fakes.runner.fail("fake-dump", stderr: "disk full")
        let report = await restore(fakes, record)
        #expect(report.error?.hasPrefix("before the restore:") == true && report.error?.contains("disk full") == true, "\(report.error ?? "")")
        #expect(story(fakes) == ["systemctl stop", "engine backup app@prod/db", "systemctl start"])
        #expect(report.steps.last == "started app.service, app-worker.service again")
        #expect(try fakes.service.state.records().count == 1, "no safety backup was catalogued")
    }

    @Test func aFailedRestoreOfAnEngineThatKeepsNothingAsidePutsTheSafetyBackupBack() async throws {
        let (fakes, record) = try await prepared()
        fakes.runner.fail("fake-restore #\(record.id)", stderr: "SQLITE_FULL")
        let report = await restore(fakes, record)
        let safety = try #require(report.safety)
        #expect(report.error == "fake-restore exited 1: SQLITE_FULL")
        #expect(!report.restored && report.rolledBack)
        #expect(story(fakes) == ["systemctl stop", "engine backup app@prod/db", "engine restore #\(record.id)", "systemctl stop",
                                 "engine restore #\(safety.id)", "systemctl start", "checks"])
        #expect(report.steps.suffix(3) == ["put the previous state back (safety backup #\(safety.id))", "started app.service, app-worker.service",
                                           "checks pass again on the previous state"])
        #expect(try fakes.service.state.events(kind: "restore").map(\.result) == ["started", "rolled back"])
    }

    @Test func aFailedStartAfterTheRestoreUndoesItWithThePreviousStateKeptAside() async throws {
        let (fakes, record) = try await prepared(keepsPrevious: true)
        fakes.runner.fail("systemctl start", stderr: "app.service: start-limit-hit", times: 1)
        let report = await restore(fakes, record)
        #expect(report.error == "systemctl exited 1: app.service: start-limit-hit")
        #expect(report.restored && report.rolledBack)
        #expect(story(fakes) == ["systemctl stop", "engine backup app@prod/db", "engine restore #\(record.id)", "systemctl start",
                                 "systemctl stop", "engine undo #\(record.id)", "systemctl start", "checks"])
        #expect(report.steps.suffix(3) == ["put the previous state back", "started app.service, app-worker.service", "checks pass again on the previous state"])
    }

    @Test func anAppThatWillNotStartAgainAfterTheUndoIsReportedAsAFailedRestore() async throws {
        let (fakes, record) = try await prepared(keepsPrevious: true)
        fakes.runner.fail("systemctl start", stderr: "app.service: start-limit-hit")
        let report = await restore(fakes, record)
        #expect(report.error == "systemctl exited 1: app.service: start-limit-hit; putting the previous state back failed too: systemctl exited 1: app.service: start-limit-hit")
        #expect(story(fakes) == ["systemctl stop", "engine backup app@prod/db", "engine restore #\(record.id)", "systemctl start",
                                 "systemctl stop", "engine undo #\(record.id)", "systemctl start"])
        #expect(try fakes.service.state.events(kind: "restore").map(\.result) == ["started", "failed"])
    }

    @Test func failingChecksUndoTheRestoreAndAreRunAgainOnThePreviousState() async throws {
        let (fakes, record) = try await prepared(keepsPrevious: true)
        let progress = BackupProgressLog()
        let report = await restore(fakes, record, checks: ["GET /health answered 500", nil], progress: progress)
        #expect(report.error == "the checks failed after the restore: GET /health answered 500")
        #expect(report.restored && report.rolledBack)
        #expect(story(fakes) == ["systemctl stop", "engine backup app@prod/db", "engine restore #\(record.id)", "systemctl start", "checks",
                                 "systemctl stop", "engine undo #\(record.id)", "systemctl start", "checks"])
        #expect(report.steps.suffix(3) == ["put the previous state back", "started app.service, app-worker.service", "checks pass again on the previous state"])
        #expect(progress.lines.contains("finished checks failed") && progress.lines.last == "finished roll back ok")
    }

    @Test func checksThatStillFailOnThePreviousStateAreReported() async throws {
        let (fakes, record) = try await prepared()
        let report = await restore(fakes, record, checks: ["redis down", "redis down"])
        #expect(report.rolledBack)
        #expect(report.steps.last == "checks still fail on the previous state: redis down")
    }

    @Test func anUndoThatFailsIsReportedAndNotCountedAsRolledBack() async throws {
        let (fakes, record) = try await prepared(keepsPrevious: true)
        fakes.engine.undoFails = true
        let report = await restore(fakes, record, checks: ["migrations missing"])
        #expect(!report.rolledBack)
        #expect(report.error == "the checks failed after the restore: migrations missing; putting the previous state back failed too: cannot put the previous state back")
        #expect(!story(fakes).contains("engine cleanup #\(record.id)"), "the previous state is never dropped after a failure")
    }

    @Test func withNoCurrentDataThereIsNoSafetyBackupAndNothingToPutBack() async throws {
        let (fakes, record) = try await prepared()
        fakes.engine.nothingToSaveReason = "no data at /srv/app/media (deleted?)"
        fakes.runner.fail("fake-restore", stderr: "tar: Unexpected EOF in archive")
        let report = await restore(fakes, record)
        #expect(report.safety == nil && !report.rolledBack)
        #expect(story(fakes) == ["systemctl stop", "engine restore #\(record.id)", "systemctl stop", "systemctl start", "checks"])
        #expect(report.steps.contains("no data at /srv/app/media (deleted?)"))
        #expect(report.steps.contains("no previous state to put back (there was no data before the restore)"))
    }

    @Test func unitsThatDoNotRunAreNeitherStoppedNorStarted() async throws {
        let (fakes, record) = try await prepared()
        fakes.runner.running([])
        let report = await restore(fakes, record)
        #expect(report.error == nil && report.restored)
        #expect(story(fakes) == ["engine backup app@prod/db", "engine restore #\(record.id)", "checks"])
    }

    @Test func theDryRunPlanHoldsTheEnginesOwnSteps() async throws {
        let (fakes, record) = try await prepared()
        let plan = try fakes.restoreService().plan(record, source: fakes.source, units: Self.units, checks: ["health"])
        #expect(plan.map(\.title).contains("fake restore of #\(record.id)"))
        #expect(plan.flatMap(\.commands).map(\.description).contains("fake-restore #\(record.id)"))
        #expect(fakes.log.only("engine restore", "systemctl").isEmpty, "a plan runs nothing")
    }
}

/// The checks' answers, one per run (the last repeats).
final class CheckAnswers: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [String?]

    init(_ answers: [String?]) { self.answers = answers }

    func next() -> String? {
        lock.withLock { answers.count > 1 ? answers.removeFirst() : answers.first ?? nil }
    }
}
