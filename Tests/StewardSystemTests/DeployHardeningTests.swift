import Foundation
import StewardCore
import Testing
@testable import StewardSystem

/// Deploy hardening of issue 10: `--resume` is not `--force`, app code never runs as root, and a state write that
/// fails is an error rather than a silently lost record.
@Suite struct DeployHardeningTests {
    static func record(reason: String = "") -> DeployRecord {
        var r = DeployRecord(app: "chip", instance: "prod", ref: "v1.1.0", commit: "abc", strategy: .inPlace, release: "/srv/chip/prod",
                             user: "ops", startedAt: Date(), pid: 1, host: "h")
        r.reason = reason
        r.expectedCommit = "abc"
        return r
    }

    static func target(_ tree: TempTree, user: String?) -> DeployTarget {
        DeployTarget(app: "chip", instance: "prod", spec: DeploySpec(), production: true, units: [], directory: tree.root + "/app",
                     venv: nil, user: user, environment: [:], databases: [], store: tree.root + "/store", checks: { nil })
    }

    // MARK: 13. --resume does not imply --force

    @Test func aResumedPreflightIsForcedOnlyWhenTheResumeSaysSo() {
        // The interrupted deploy was forced over a dirty tree (its reason recorded).
        let forced = Self.record(reason: "hotfix on the box")
        let plain = DeployEngine.resumeRequest(forced, force: false, reason: nil)
        #expect(!plain.force, "--resume implied --force")
        #expect(plain.ref == "v1.1.0" && plain.expectedCommit == "abc")
        // Told again, with a reason of its own.
        let again = DeployEngine.resumeRequest(forced, force: true, reason: "still the hotfix")
        #expect(again.force && again.reason == "still the hotfix")
        // --force without a reason forces nothing.
        #expect(!DeployEngine.resumeRequest(forced, force: true, reason: "  ").force)
        #expect(!DeployEngine.resumeRequest(Self.record(), force: false, reason: nil).force)
    }

    // MARK: 3. never as root

    @Test func appCommandsRunAsTheAppUserAndAreRefusedWithoutOne() throws {
        let tree = try TempTree()
        let commands = AppCommands(target: Self.target(tree, user: "chip"))
        let hook = try commands.app(Command("/srv/chip/prod/.steward/hooks/pre-deploy", []), in: "/srv/chip/prod")
        #expect(hook.argv == ["runuser", "-u", "chip", "--", "/srv/chip/prod/.steward/hooks/pre-deploy"])
        #expect(try commands.declared(["./bin/build"], in: "/w").argv == ["runuser", "-u", "chip", "--", "/w/bin/build"])
        for user: String? in [nil, "root", "0", ""] {
            let refused = AppCommands(target: Self.target(tree, user: user))
            #expect(throws: StoreError.self) { _ = try refused.app(Command("/x", []), in: "/w") }
            #expect(throws: StoreError.self) { _ = try refused.declared(["python", "manage.py", "collectstatic"], in: "/w") }
            do { _ = try refused.appUser() } catch {
                #expect("\(error)".contains("never runs pip, migrations, build steps or hooks as root") && "\(error)".contains("deploy.user"), "\(error)")
            }
        }
    }

    // MARK: 14. failed state writes are errors

    /// A state database that cannot be written (read-only here) after it was created.
    static func readOnlyState(_ tree: TempTree) throws -> (writable: StateStore, readOnly: StateStore) {
        let path = tree.root + "/state/state.db"
        let writable = try StateStore(path: path)
        return (writable, try #require(try StateStore.openReadOnly(path: path)))
    }

    @Test func aVerificationThatCannotBeRecordedFails() async throws {
        let tree = try TempTree()
        let db = tree.root + "/app.db"
        _ = try StateProbe.exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);")
        let (writable, readOnly) = try Self.readOnlyState(tree)
        let source = BackupSource(app: "app", instance: "", name: "db", kind: .sqlite, path: db)
        let record = try await BackupService(state: writable).backup(source, store: tree.root + "/store", reason: "manual")
        let v = await BackupService(state: readOnly).verify(record, source: source, store: tree.root + "/store", quick: false)
        #expect(!v.passed, "a verification that was not recorded passed")
        #expect(v.message.contains("could not be recorded in \(tree.root)/state/state.db"), "\(v.message)")
        #expect(try writable.record(id: record.id)?.lastVerification == nil)
    }

    @Test func aDeployWhoseEndCannotBeRecordedSaysSo() async throws {
        let tree = try TempTree()
        let (writable, readOnly) = try Self.readOnlyState(tree)
        let inserted = try writable.insertDeploy(Self.record())
        let lines = LineCollector()
        let engine = DeployEngine(target: Self.target(tree, user: "chip"), state: readOnly, holder: OperationHolder(operatorName: "ops", host: "h"), progress: { $0.text.map(lines.append) })
        engine.record = inserted
        engine.record.status = .succeeded
        engine.finish()
        let error = try #require(engine.stateWriteError, "the failed write was dropped")
        #expect(error.contains("cannot record the end of deploy #\(inserted.id)"), "\(error)")
        #expect(lines.all.contains { $0.contains("cannot record the end") })
        #expect(try writable.deploys(app: "chip", instance: "prod", limit: 5).first?.status == .running, "the record is not what happened")
    }
}

/// Lines said by an engine, collected across its callbacks.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
