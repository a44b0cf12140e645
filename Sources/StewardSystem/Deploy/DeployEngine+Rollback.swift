import Foundation
import StewardCore

/// `steward rollback`: an earlier good release deployed again as a `rollback` record. The rollback runs the list
/// ``rollbackSteps(_:)`` returns and its dry run writes the plan of that same list, as a deploy's does.
extension DeployEngine {
    /// Deploys an earlier good release again as a `rollback` record. `choose` picks the release and what to do
    /// with the database from what serves now and the schema now; it runs under the instance's lock, so no deploy
    /// changes either between the choice and the rollback. An error it throws refuses the rollback (nothing recorded).
    @discardableResult
    public func rollback(choosing choose: (_ servingCommit: String?, _ schemaNow: String?) throws -> RollbackChoice) async throws -> DeployRecord {
        try acquireLock(purpose: "rollback by \(record.user)")
        try refuseUnfinished()
        let previous = try await currentRelease()
        let schemaNow = await currentSchema()
        let choice: RollbackChoice
        do { choice = try choose(previous.commit, schemaNow) } catch {
            lock = nil
            throw error
        }
        let release = choice.release
        prepareRollback(choice, from: previous)
        try startLease(kind: "rollback")
        do { record = try state.insertDeploy(record) } catch { endLease("failed"); throw error }
        lock?.describe("rollback #\(record.id) to \(release.ref) by \(record.user)")
        say("rollback #\(record.id): \(target.label) \(previous.ref ?? "?") → \(release.ref) (\(release.shortCommit))")
        let steps = rollbackSteps(choice)
        return await guarded(.lock) {
            for step in steps { try await self.run(step) }
            self.record.status = .succeeded
            self.finish()
            self.say("✓ rollback #\(self.record.id): \(self.target.label) runs \(release.ref) (\(release.shortCommit)) again")
        }
    }

    /// The dry run of a rollback: the release `choose` picks, and the plan of each step of ``rollbackSteps(_:)``, the
    /// list a rollback runs. Reads only: takes no lock and no lease, records nothing. An error `choose` throws is
    /// the refusal the rollback would meet.
    public func planRollback(choosing choose: (_ servingCommit: String?, _ schemaNow: String?) throws -> RollbackChoice) async throws -> DeployPlan {
        let previous = try await currentRelease()
        let choice = try choose(previous.commit, await currentSchema())
        let release = choice.release
        prepareRollback(choice, from: previous)
        let sheet = DeployPlanSheet()
        sheet.note("plan: rollback \(target.label) (\(target.spec.strategy.rawValue)) to \(release.ref) (\(release.shortCommit)) of deploy #\(release.id), now running \(previous.ref ?? previous.commit.map { String($0.prefix(12)) } ?? "nothing known")")
        return await plan(rollbackSteps(choice), on: sheet)
    }

    /// The record of a rollback to `choice` from what serves now (`previous`): the run's and its plan's.
    private func prepareRollback(_ choice: RollbackChoice, from previous: (commit: String?, ref: String?, release: String?)) {
        let release = choice.release
        record.kind = .rollback
        record.ref = release.ref
        record.commit = release.commit
        record.previousCommit = previous.commit
        record.previousRef = previous.ref
        record.previousRelease = previous.release
        record.reason = "rollback to deploy #\(release.id)"
        record.schema = release.schema
        if target.spec.strategy.usesReleases, files.exists(release.release) { record.release = release.release }
        if choice.database == .restore { record.backupIDs = choice.backupIDs }
    }

    /// The steps of a rollback to `choice`, in order: what a rollback runs and what its dry run shows. The record
    /// names the release already (``prepareRollback(_:from:)``).
    func rollbackSteps(_ choice: RollbackChoice) -> [DeployStepAction] {
        let release = choice.release
        // The code the steps act on: the checkout, the release directory still there, or the one the fetch creates.
        let plannedRelease = target.spec.strategy == .inPlace || reusesRelease
            ? record.release : target.releasesDirectory + "/" + ReleaseRetention.name(ref: release.ref, stamp: "<time>")
        return [
            DeployStepAction(name: .lock, plan: planLock, run: {
                // A rollback has no preflight: the nginx sites the release ships are read here.
                self.captureNginxSites()
                return self.lockOutcome()
            }),

            DeployStepAction(name: .fetch, plan: { sheet in
                if self.target.spec.strategy == .inPlace {
                    sheet.line(sheet.shown { try self.commands.git(Git.checkout(dir: self.target.directory, commit: release.commit)) })
                } else if self.reusesRelease {
                    sheet.line("release \(URL(fileURLWithPath: self.record.release).lastPathComponent) is still there")
                } else {
                    self.planFetch(sheet, ref: release.ref, release: plannedRelease)
                }
            }, run: { try await self.prepareRollbackCode(release) }),

            dependenciesStep(plannedRelease),

            DeployStepAction(name: .migrate, plan: { sheet in self.planRollbackDatabase(sheet, choice.database) },
                             run: { try await self.rollbackDatabase(choice.database) }),

            buildStep(plannedRelease),
        ] + cutoverSteps(plannedRelease)
    }

    /// The releases strategy switches back to the release's directory when it is still there, not a rebuilt one.
    private var reusesRelease: Bool {
        target.spec.strategy.usesReleases && record.release != target.directory && files.exists(record.release)
    }

    private func prepareRollbackCode(_ release: DeployRecord) async throws -> StepOutcome {
        switch target.spec.strategy {
        case .inPlace:
            try await checkOut(release.commit)
            return .done("checked out \(release.ref) (\(release.shortCommit))")
        case .releases, .blueGreen:
            if reusesRelease { return .done("release \(URL(fileURLWithPath: record.release).lastPathComponent) is still there") }
            return try await prepareReleaseDirectory()
        }
    }

    /// The migrate step of a rollback: restore the database the target release ran with, or keep it.
    private func rollbackDatabase(_ mode: RollbackDatabase) async throws -> StepOutcome {
        switch mode {
        case .keep:
            return .skipped("kept the database as it is (--keep-db)")
        case .restore:
            guard !record.backupIDs.isEmpty else { return .skipped("no backup to restore") }
            // The database as it is now is saved first: undoing this rollback puts it back.
            if record.safetyBackupIDs.isEmpty {
                _ = try await safetyBackups(reason: "safety before rollback #\(record.id)", recorded: true)
            }
            try await stopUnits()
            say("    stopped \(target.units.joined(separator: ", ")) to restore the database")
            let cleanups = try await restoreBackups(record.backupIDs)
            for cleanup in cleanups { await cleanup() }
            let safety = record.safetyBackupIDs.isEmpty ? "" : "; safety backup #\(record.safetyBackupIDs.map(String.init).joined(separator: ", #")) of the database it replaced"
            return .done("restored backup #\(record.backupIDs.map(String.init).joined(separator: ", #")) (taken before the deploy that followed \(record.ref))\(safety)")
        }
    }

    private func planRollbackDatabase(_ sheet: DeployPlanSheet, _ mode: RollbackDatabase) {
        switch mode {
        case .keep:
            sheet.line("keep the database as it is")
        case .restore:
            guard !record.backupIDs.isEmpty else { return sheet.line("no backup to restore") }
            if !target.databases.isEmpty {
                sheet.line("safety backup of \(target.databases.map(\.label).joined(separator: ", ")) as it is now to \(target.store) (undoing this rollback restores it)")
            }
            sheet.line(Systemctl.stop(target.units).display)
            sheet.line("restore backup #\(record.backupIDs.map(String.init).joined(separator: ", #")) (taken before the deploy that followed \(record.ref))")
        }
    }
}
