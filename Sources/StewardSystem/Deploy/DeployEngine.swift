import Foundation
import StewardCore

/// Runs one deploy of one app instance as a recorded, recoverable transaction: each step is written to the
/// state database before and after it runs; a failure before the switch puts the checkout (and a migrated
/// database) back without touching the running app; a failure after it rolls back code and database, restarts
/// and re-checks. An interrupted deploy is finished by ``resume()`` or undone by ``abort()``.
public final class DeployEngine {
    let target: DeployTarget
    let state: StateStore
    /// The app's files (checkout, releases, venv, hooks): the host's under its root, or a fake in unit tests.
    let files: any DeployFileSystem
    /// The wall clock of the records (a deploy's and its steps' times, a release's name); durations are measured
    /// on `ContinuousClock`.
    let now: @Sendable () -> Date
    let backups: BackupService
    let runner: any CommandRunning
    let tools: ToolRunner
    let commands: AppCommands
    let migrator: Migrator
    let host: DeployHost
    let faults: FaultInjection
    /// Progress as data: the operator's lines and the steps' starts and ends (``DeployProgress``).
    let progress: (DeployProgress) -> Void

    public internal(set) var record: DeployRecord
    var lock: InstanceLock?
    /// When the units were restarted: the journal of a failing release is read from here.
    var restartedAt: Date?
    var lastHealthFailure: String?
    /// blue-green: nginx's workers from before the switch's reload, which the drain waits for.
    var drainingWorkers: [Int32] = []
    /// blue-green: whether this run saw nginx take the switch's configuration (a new worker after its reload); nil when
    /// not known (a resumed or aborted deploy, whose switch ran in an earlier process).
    var switchConfirmed: Bool?
    /// A write to the state database that failed (a step's end, the deploy's end, the rollback's record): the
    /// command then exits non-zero with it, whatever the deploy's outcome, since its record is not what happened.
    public internal(set) var stateWriteError: String?
    /// Who runs this engine's operation, where, and its id: the record's user and the operation's lease.
    let holder: OperationHolder
    let leaseTiming: OperationLease.Timing
    /// The lease of the operation under way (a deploy, rollback, resume or abort).
    var lease: OperationLease?

    /// - Parameters:
    ///   - files: the app's files; the host's under `/` unless an operation passes its context's root.
    ///   - backups: takes the pre-deploy and safety backups; by default on the host's files under `/` and `runner`.
    ///   - clock: the wall clock of the records (an operation's context's).
    public init(target: DeployTarget, state: StateStore, holder: OperationHolder, runner: any CommandRunning = CommandRunner(),
                files: any DeployFileSystem = HostDeployFiles(), backups: BackupService? = nil, clock: @escaping @Sendable () -> Date = { Date() },
                host: DeployHost = .live, faults: FaultInjection = .none, leaseTiming: OperationLease.Timing = .standard,
                progress: @escaping (DeployProgress) -> Void) {
        self.target = target
        self.state = state
        self.files = files
        self.now = clock
        self.runner = runner
        self.backups = backups ?? BackupService(state: state, runner: runner, clock: clock)
        self.tools = ToolRunner(runner: runner, secrets: target.secrets)
        self.commands = AppCommands(target: target, files: files)
        self.migrator = Migrator(target: target, commands: commands, tools: tools)
        self.host = host
        self.faults = faults
        self.progress = progress
        self.holder = holder
        self.leaseTiming = leaseTiming
        self.record = DeployRecord(app: target.app, instance: target.instance, ref: "", commit: "", strategy: target.spec.strategy,
                                   release: target.directory, user: holder.operatorName, startedAt: clock(), pid: getpid(), host: holder.host)
    }

    // MARK: - Entry points

    /// A new deploy of `request.ref`. Returns the final record; throws only a ``DeployRefusal`` (nothing changed
    /// and nothing recorded): the instance is busy, or an interrupted deploy waits for `--resume` or `--abort`.
    @discardableResult
    public func deploy(_ request: DeployRequest) async throws -> DeployRecord {
        // The lock comes first: what runs now, and whether a deploy was interrupted, are read under it.
        try acquireLock(purpose: "deploy of \(request.ref) by \(record.user)")
        try refuseUnfinished()
        let previous = try await currentRelease()
        record.kind = request.kind
        record.ref = request.ref
        record.previousCommit = previous.commit
        record.previousRef = previous.ref
        record.previousRelease = previous.release
        record.reason = request.reason ?? ""
        record.expectedCommit = request.expectedCommit
        try startLease(kind: request.kind.rawValue)
        do { record = try state.insertDeploy(record) } catch { endLease("failed"); throw error }
        lock?.describe("\(request.kind.rawValue) #\(record.id) of \(request.ref) by \(record.user)")
        say("deploy #\(record.id): \(target.label) \(previous.ref ?? previous.commit.map { String($0.prefix(12)) } ?? "(nothing)") → \(request.ref)")
        return await guarded(.preflight) {
            for step in self.steps(request) { try await self.run(step) }
            self.succeeded()
        }
    }

    /// Runs the steps of a recorded deploy; a failure is handled by ``fail(_:)`` (rollback where needed). Ends
    /// holding no lock; returns the final record.
    ///
    /// A cancelled task (a daemon stopping it) stops where it is and undoes nothing, as a kill would: the record
    /// stays running and its lease, no longer renewed, lapses; it is then reported interrupted, to resume or abort.
    func guarded(_ firstStep: DeployStep, _ body: () async throws -> Void) async -> DeployRecord {
        do {
            try await renewingLease(body)
        } catch where Task.isCancelled {
            say("✗ deploy #\(record.id) stopped at \(record.steps.last?.name ?? firstStep.rawValue): its task was cancelled")
        } catch let failure as DeployFailure {
            await fail(failure)
        } catch {
            await fail(DeployFailure(step: firstStep, message: tools.mask("\(error)")))
        }
        endLease()
        lock = nil
        return record
    }

    /// Takes the instance's lock, or refuses naming its holder.
    func acquireLock(purpose: String) throws {
        do {
            lock = try InstanceLock(stateDirectory: backups.stateDirectory, instance: target.label, purpose: purpose)
        } catch {
            throw DeployRefusal("\(error)", busy: true)
        }
    }

    /// The interrupted deploy of this instance, read under the lock; refuses when there is none, or (for
    /// `--resume`) when it was a rollback or had begun undoing itself: only `--abort` finishes those.
    func takeInterrupted(resuming: Bool) throws {
        try acquireLock(purpose: "\(resuming ? "resume" : "abort") by \(record.user)")
        guard let unfinished = try Self.interrupted(state: state, app: target.app, instance: target.instance, holdingLock: true, now: now()) else {
            lock = nil
            if case let (stopped, lease?)? = try Self.unfinished(state: state, app: target.app, instance: target.instance) {
                throw DeployRefusal(Self.leaseHeldMessage(stopped, lease), busy: true)
            }
            throw DeployRefusal("no interrupted deploy of \(target.label) to \(resuming ? "resume" : "abort")")
        }
        if resuming && (unfinished.kind == .rollback || unfinished.started(.rollback)) {
            lock = nil
            throw DeployRefusal("deploy #\(unfinished.id) was \(unfinished.kind == .rollback ? "a rollback" : "already putting the previous release back") when it was interrupted; finish it with --abort")
        }
        // A tool of the interrupted run (a migration, a hook) may still be working in the app's tree.
        let leftovers = host.leftovers([target.directory, unfinished.release], target.units)
        if !leftovers.isEmpty {
            lock = nil
            let list = leftovers.prefix(5).map { "pid \($0.pid): \(Redactor.scrub($0.command))" }.joined(separator: "; ")
            throw DeployRefusal("a command of the interrupted deploy #\(unfinished.id) is still running in \(target.directory) (\(tools.mask(list))); wait for it to end (or stop it), then run --\(resuming ? "resume" : "abort") again")
        }
        record = unfinished
        record.pid = getpid()
        record.host = holder.host
        // From here the record names this operation: it is interrupted again only if this one stops too.
        try startLease(kind: resuming ? "resume" : "abort")
        do { try state.updateDeploy(record) } catch { endLease("failed"); throw error }
        lock?.describe("\(resuming ? "resumed" : "abort of") deploy #\(record.id) of \(record.ref) by \(holder.operatorName)")
    }

    /// Finishes the interrupted deploy of this instance from the first step that did not complete. A dirty working
    /// tree is refused again unless this resume is itself told `force` with a `reason`: the interrupted run's
    /// `--force` does not carry over (the tree may have changed since).
    @discardableResult
    public func resume(force: Bool = false, reason: String? = nil) async throws -> DeployRecord {
        try takeInterrupted(resuming: true)
        let request = Self.resumeRequest(record, force: force, reason: reason)
        do {
            if let note = try await checkWorkingTree(force: request.force, reason: request.reason,
                                                     refusal: "commit or stash them and resume, pass --resume --force --reason \"…\", or --abort") {
                say("  \(note)")
            }
        } catch {
            endLease("refused")
            lock = nil
            throw error as? DeployRefusal ?? DeployRefusal(tools.mask("\(error)"))
        }
        say("resuming deploy #\(record.id) of \(record.ref) on \(target.label)")
        // The lock's step first (it is held already), then every step the interrupted run did not complete.
        let steps = self.steps(request)
        return await guarded(.lock) {
            for step in steps where step.name == .lock { try await self.run(step) }
            for step in steps where step.name != .lock && !self.record.completed(step.name) { try await self.run(step) }
            self.succeeded()
        }
    }

    /// The request a resumed preflight runs with: the recorded ref, commit and untagged-ref permission (its reason was
    /// recorded), but `--force` only when this resume says so, with its own reason.
    static func resumeRequest(_ r: DeployRecord, force: Bool, reason: String?) -> DeployRequest {
        let forced = force && !(reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        return DeployRequest(ref: r.ref, allowUntagged: !r.reason.isEmpty, force: forced,
                             reason: forced ? reason : (r.reason.isEmpty ? nil : r.reason), expectedCommit: r.expectedCommit)
    }

    /// Undoes the interrupted deploy of this instance: the previous code (and database, when migrations ran),
    /// restarted when the switch had begun, then the health gate.
    @discardableResult
    public func abort() async throws -> DeployRecord {
        try takeInterrupted(resuming: false)
        say("aborting deploy #\(record.id) of \(record.ref) on \(target.label)")
        let healthy = await renewingLease { await revert(afterSwitch: switched, because: "aborted after an interruption") }
        record.status = healthy ? .aborted : .rollbackFailed
        finish()
        endLease()
        lock = nil
        return record
    }

    // MARK: - Steps

    /// Whether the new release may serve: its units were restarted, or (blue-green) nginx was switched to its slot.
    var switched: Bool { record.started(.switchStep(target.spec.strategy)) }

    /// Every step ran: the deploy's end.
    func succeeded() {
        record.status = .succeeded
        finish()
        say("✓ deploy #\(record.id): \(target.label) runs \(record.ref) (\(record.shortCommit)) in \(Format.seconds(milliseconds: record.durationMs ?? 0))")
        if target.spec.strategy.usesReleases { pruneReleases() }
    }

    /// The pre-deploy hook comes from the code that runs now (the new release is not there yet in place).
    var hookRelease: String { target.spec.strategy == .inPlace ? target.directory : (record.previousRelease ?? target.directory) }

    enum StepOutcome {
        case done(String)
        case skipped(String)
    }

    /// A line for the operator.
    func say(_ line: String) { progress(.line(line)) }

    /// Runs one step of the list.
    func run(_ step: DeployStepAction) async throws {
        try await self.step(step.name, step.run)
    }

    /// Records a step before and after it runs; a failure becomes a ``DeployFailure`` of that step.
    func step(_ name: DeployStep, _ body: () async throws -> StepOutcome) async throws {
        // A cancelled task starts no further step (see ``guarded(_:_:)``).
        try Task.checkCancellation()
        faults.check("before", name)
        let started = now()
        let clock = ContinuousClock.now
        let id = try state.beginStep(deploy: record.id, name, at: started)
        record.steps.append(StepRecord(name: name.rawValue, startedAt: started))
        progress(.stepStarted(name))
        do {
            let outcome = try await body()
            let ms = BackupService.ms(since: clock)
            let (result, detail): (StepResult, String) = switch outcome {
            case .done(let d): (.ok, tools.mask(d))
            case .skipped(let d): (.skipped, tools.mask(d))
            }
            try state.updateDeploy(record)
            try state.endStep(id, result: result, detail: detail, at: now(), durationMs: ms)
            record.steps[record.steps.count - 1] = StepRecord(name: name.rawValue, startedAt: started, finishedAt: now(), result: result, detail: detail, durationMs: ms)
            progress(.stepFinished(name, result: result, detail: detail, ms: ms))
            say("  \(result == .ok ? "✓" : "–") \(name.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(detail) (\(Format.seconds(milliseconds: ms)))")
        } catch {
            let message = error is DeployFailure ? (error as! DeployFailure).message : tools.mask("\(error)")
            let ms = BackupService.ms(since: clock)
            recordState("the failure of \(name.rawValue)") {
                try state.updateDeploy(record)
                try state.endStep(id, result: .failed, detail: message, at: now(), durationMs: ms)
            }
            record.steps[record.steps.count - 1] = StepRecord(name: name.rawValue, startedAt: started, finishedAt: now(), result: .failed, detail: message, durationMs: ms)
            progress(.stepFinished(name, result: .failed, detail: message, ms: ms))
            say("  ✗ \(name.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(message)")
            throw DeployFailure(step: name, message: message)
        }
        faults.check("after", name)
    }

    /// The lock step's record: the lock was taken before anything was read; a stale one is reported.
    func lockOutcome() -> StepOutcome {
        guard let lock else { return .done("no lock") }
        if let stale = lock.staleHolder {
            return .done("took \(lock.path); a stale lock was left there by a holder that is gone (\(stale))")
        }
        return .done("holding \(lock.path)")
    }

    /// A write to the state database that must not be lost silently: a failure is said and kept in
    /// ``stateWriteError`` (the command exits non-zero with it).
    func recordState(_ what: String, _ body: () throws -> Void) {
        do { try body() } catch {
            let message = "cannot record \(what) of deploy #\(record.id) in \(state.path): \(tools.mask("\(error)"))"
            stateWriteError = stateWriteError.map { $0 + "; " + message } ?? message
            say("  ✗ \(message)")
        }
    }

    /// Ends the deploy's record.
    func finish() {
        composeFinishEnv()
        record.finishedAt = now()
        recordState("the end") { try state.updateDeploy(record) }
        state.event("deploy", subject: target.label, result: record.status.rawValue, detail: "#\(record.id) \(record.ref) \(record.shortCommit)\(record.error.map { ": \($0)" } ?? "")")
    }

    /// A step failed: before the switch, put back what changed; after it, roll back and re-check.
    func fail(_ failure: DeployFailure) async {
        record.error = failure.description
        if record.id == 0 { return }
        guard record.started(.fetch) || failure.step >= .fetch else {
            // Nothing on the host changed (preflight, lock or the pre-deploy hook).
            record.status = .failed
            finish()
            say("✗ deploy #\(record.id) failed at \(failure.step.rawValue); nothing was changed: \(failure.message)")
            return
        }
        // After the switch means: the units may run the new code, whichever step failed (a resumed deploy's too).
        if switched || failure.step.isAfterSwitch(target.spec.strategy) {
            await captureEvidence()
            let healthy = await revert(afterSwitch: true, because: failure.description)
            record.status = healthy ? .rolledBack : .rollbackFailed
            finish()
            say(healthy ? "✗ deploy #\(record.id) failed at \(failure.step.rawValue) and was rolled back: \(target.label) runs \(record.previousRef ?? record.previousCommit.map { String($0.prefix(12)) } ?? "the previous release") again and its checks pass"
                        : "✗ deploy #\(record.id) failed at \(failure.step.rawValue) and the rollback did not bring \(target.label) back to health; see steward releases \(target.label)")
        } else {
            let healthy = await revert(afterSwitch: false, because: failure.description)
            record.status = healthy ? .failed : .rollbackFailed
            finish()
            say("✗ deploy #\(record.id) failed at \(failure.step.rawValue) before the switch; the running release was not touched\(healthy ? "" : ", but putting the checkout back failed"): \(failure.message)")
        }
    }
}
