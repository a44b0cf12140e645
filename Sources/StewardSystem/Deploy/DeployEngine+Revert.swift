import Foundation
import StewardCore

extension DeployEngine {
    /// Puts back what the deploy changed: a declared downgrade (run with the new code, before it goes) or the
    /// pre-deploy database backup, the previous code and its requirements; after the switch, restarts the units and
    /// runs the health gate again. Returns whether the instance is healthy on the previous release.
    func revert(afterSwitch: Bool, because: String) async -> Bool {
        let started = now()
        let clock = ContinuousClock.now
        var stepID: Int64?
        recordState("the start of the rollback") { stepID = try state.beginStep(deploy: record.id, .rollback, at: started) }
        var done: [String] = []
        var problems: [String] = []
        func attempt(_ what: String, _ body: () async throws -> Void) async {
            do {
                try await body()
                done.append(what)
                say("  ↺ \(what)")
            } catch {
                let message = "\(what) failed: \(tools.mask("\(error)"))"
                problems.append(message)
                say("  ✗ \(message)")
            }
        }
        // What undoing restores: the pre-deploy backup, or for a rollback the safety backup it took first.
        let restorable = record.kind == .rollback ? record.safetyBackupIDs : record.backupIDs
        let migrated = record.started(.migrate) && !restorable.isEmpty
        var databaseBack = !migrated
        if migrated, target.compose != nil { await migrator.endLeftoverMigrations() }
        // 0. Numbered SQL files run in one transaction with their tracking rows: when the tracking table still says
        // what it said before the migrations, that transaction rolled back and the database is as it was. Nothing to
        // restore, and the running app is not stopped.
        if migrated, record.kind != .rollback, let before = record.previousSchema, before.hasPrefix("sql:"),
           let now = try? await migrator.sqlSchemaNow(), now == before {
            databaseBack = true
            done.append("the database is as it was (\(now)): the migrations' transaction rolled back, nothing to restore")
            say("  ↺ the database is as it was (\(now)): the migrations' transaction rolled back")
        }
        // 1. A reversible migration is undone by the release that made it.
        if migrated, record.kind != .rollback, target.spec.migrations.downgrade != nil, record.started(.restart) || record.completed(.migrate) {
            await attempt("ran the declared downgrade") { try await migrator.downgrade(release: record.release) }
            databaseBack = problems.isEmpty
        }
        // blue-green: the previous release served on the migrated database until the switch (blue-green asks migrations
        // to be backward compatible, expand then contract), so it runs on it again and the database is kept: restoring
        // it would stop both slots and drop the writes made since the backup, which stays in the catalog for
        // `steward rollback --restore-db`.
        // A rollback is not: the database it restored is the one its release needs, and undoing it puts back the newer one.
        if target.spec.strategy == .blueGreen, !databaseBack, record.incompatibleMigrations == nil, record.kind != .rollback {
            databaseBack = true
            let kept = "kept the database with this deploy's migrations: the previous release \(afterSwitch ? "served" : "serves") on it \(afterSwitch ? "until the switch" : "throughout") (blue-green migrations are backward compatible); backup #\(restorable.map(String.init).joined(separator: ", #")) holds it as it was"
            done.append(kept)
            say("  ↺ \(kept)")
        }
        // 2. The previous code.
        switch target.spec.strategy {
        case .inPlace:
            if record.started(.fetch), let previous = record.previousCommit {
                await attempt("checked out \(record.previousRef ?? String(previous.prefix(12))) again") { try await checkOut(previous) }
            }
        case .releases, .blueGreen:
            if let previous = record.previousRelease, let current = files.readLink(target.currentLink),
               !previous.hasSuffix("/" + current) && previous != current {
                await attempt("current → \(URL(fileURLWithPath: previous).lastPathComponent) again") { try switchCurrent(to: previous) }
            }
        }
        // A Compose project's .env as the previous release ran with it.
        do {
            if let note = try composeRestoreEnv() {
                done.append(note)
                say("  ↺ \(note)")
            }
        } catch {
            problems.append(".env not put back: \(tools.mask("\(error)"))")
            say("  ✗ .env not put back: \(tools.mask("\(error)"))")
        }
        // nginx back on the previous site config, when this deploy reloaded it with the new one.
        if record.nginxReloaded {
            await attempt("nginx reloaded with the previous site config") {
                try await tools.run(Nginx.testConfig(), timeout: .seconds(60))
                try await tools.run(Nginx.reload(), timeout: .seconds(120))
            }
        }
        let previousCode = target.spec.strategy == .inPlace ? target.directory : (record.previousRelease ?? target.directory)
        // 3. Its requirements, when this deploy installed others.
        if record.started(.dependencies) {
            var outcome = "requirements of the previous release"
            await attempt("requirements of the previous release") {
                switch try await installDependencies(release: previousCode) {
                case .done(let d): outcome = d
                case .skipped(let d): outcome = d
                }
            }
            if problems.isEmpty, let last = done.indices.last { done[last] = outcome }
        }
        // 4. The database as it was before the migrations.
        // The units are stopped around it: nothing writes to the database while it is put back.
        var cleanups: [() async -> Void] = []
        var leftStopped = false
        if !databaseBack {
            await attempt(target.compose != nil ? "stopped the project's containers but its database's" : "stopped \(target.units.joined(separator: ", "))") { try await stopUnits() }
            // What the database holds now (writes made during the deploy) is backed up first: never lost without a copy.
            var safety: [Int64] = []
            let problemsBefore = problems.count
            await attempt("took a safety backup of the database as it is") {
                // A rollback's own safety backups are what undoing it restores: these are not recorded over them.
                safety = try await safetyBackups(reason: "safety before undoing \(record.kind.rawValue) #\(record.id)", recorded: record.kind != .rollback)
            }
            if problems.count == problemsBefore, !safety.isEmpty, let last = done.indices.last {
                done[last] = "took safety backup #\(safety.map(String.init).joined(separator: ", #")) of the database as it was"
            }
            if problems.count == problemsBefore {
                await attempt("restored the \(record.kind == .rollback ? "safety" : "pre-deploy") backup #\(restorable.map(String.init).joined(separator: ", #"))") {
                    cleanups = try await restoreBackups(restorable)
                }
            } else {
                // No copy of the current database, so it is not replaced; but the previous code must not start on the
                // database the new release migrated. The units stay stopped, and the operator is told what to do.
                leftStopped = true
                let message = "left \(target.units.joined(separator: ", ")) stopped: the database still holds this deploy's migrations, which the previous release may not run on, and the \(record.kind == .rollback ? "safety" : "pre-deploy") backup #\(restorable.map(String.init).joined(separator: ", #")) was not restored because no safety copy of the current database could be taken. Free what the safety backup needs, back the database up, then `steward restore \(restorable.first ?? 0)` and start the units"
                problems.append(message)
                say("  ✗ \(message)")
            }
        }
        // 5. Restart on the previous code, and judge it.
        var healthy = !leftStopped
        if target.spec.strategy == .blueGreen {
            // The slots: the previous one back to work, the new one stopped (nginx never sees it before the switch).
            if !leftStopped {
                let problemsBefore = problems.count
                // Also when the serving slot was stopped for incompatible migrations, even if the database came back
                // without a restore (their transaction rolled back, or a declared downgrade ran).
                healthy = await revertSlots(restartOld: afterSwitch || !databaseBack || record.incompatibleMigrations != nil,
                                            pointBack: afterSwitch, attempt: attempt)
                healthy = healthy && problems.count == problemsBefore
            }
        } else if afterSwitch || migrated || (target.compose != nil && record.started(.build)), !leftStopped {
            if target.compose != nil, afterSwitch || !databaseBack || record.started(.build) {
                await attempt("brought \(target.compose!.cli.project) up on its previous images") { try await composeUpPrevious() }
            } else if afterSwitch || !databaseBack {
                await attempt("restarted \(target.units.joined(separator: ", "))") {
                    _ = await runner.run(Systemctl.resetFailed(target.units), timeout: .seconds(30))
                    try await tools.run(Systemctl.restart(target.units), timeout: .seconds(300))
                }
            }
            do {
                _ = try await healthGate()
                done.append("checks pass on the previous release")
                say("  ↺ checks pass on the previous release")
            } catch {
                healthy = false
                problems.append("checks fail on the previous release: \(tools.mask("\(error)"))")
                say("  ✗ checks fail on the previous release too: \(tools.mask("\(error)"))")
            }
        }
        // Only the release directory this deploy created, never the running or the previous one.
        if let created = record.createdRelease, created.hasPrefix(target.releasesDirectory + "/"), created != record.previousRelease,
           let current = files.readLink(target.currentLink),
           !created.hasSuffix("/" + current) && created != current {
            files.removeQuietly(created)
        }
        // The database put aside by a PostgreSQL restore is dropped only once the previous release is healthy.
        if healthy { for cleanup in cleanups { await cleanup() } } else if !cleanups.isEmpty {
            problems.append("the database as it was before this undo is kept aside (<db>_steward_old) for inspection")
        }
        let detail = tools.mask("because \(because): " + (done + problems).joined(separator: "; "))
        if let stepID {
            recordState("the end of the rollback") {
                try state.endStep(stepID, result: problems.isEmpty && healthy ? .ok : .failed, detail: detail, at: now(), durationMs: BackupService.ms(since: clock))
            }
        }
        record.steps.append(StepRecord(name: DeployStep.rollback.rawValue, startedAt: started, finishedAt: now(),
                                       result: problems.isEmpty && healthy ? .ok : .failed, detail: detail, durationMs: BackupService.ms(since: clock)))
        return problems.isEmpty && healthy
    }

    /// Backs up the instance's databases as they are now (an undo stops the units first): before a restore replaces
    /// them, so writes made since the pre-deploy backup keep a copy. The same backup a restore takes first
    /// (``RestoreService``); a database file that does not exist has nothing to save. `recorded`: kept in the
    /// record's `safetyBackupIDs` as each is taken (what undoing a rollback restores).
    func safetyBackups(reason: String, recorded: Bool) async throws -> [Int64] {
        var ids: [Int64] = []
        for source in target.databases {
            if source.kind == .sqlite, let path = source.path, !files.exists(path) { continue }
            let safety = try await backups.backup(source, store: target.store, reason: reason)
            ids.append(safety.id)
            if recorded {
                record.safetyBackupIDs.append(safety.id)
                try state.updateDeploy(record)
            }
        }
        return ids
    }

    /// Restores catalog backups into their sources (the caller stops the units). Returns what discards the
    /// replaced databases, to run once the app is healthy again.
    func restoreBackups(_ ids: [Int64]) async throws -> [() async -> Void] {
        let restore = RestoreService(service: backups, store: target.store)
        var cleanups: [() async -> Void] = []
        for id in ids {
            guard let backup = try state.record(id: id) else { throw StoreError("backup #\(id) is no longer in the catalog") }
            guard let source = target.databases.first(where: { $0.name == backup.source }) else {
                throw StoreError("backup #\(id) is of \(backup.source), which \(target.label) no longer declares")
            }
            let (sha, _) = try backups.storeFiles.sha256(backup.path)
            guard sha == backup.sha256 else { throw StoreError("backup #\(id) changed since it was taken (checksum mismatch)") }
            let (_, cleanup) = try await restore.apply(backup, source: source, tools: ToolRunner(runner: runner, secrets: (try? backups.secrets(for: source)) ?? []))
            if let cleanup { cleanups.append(cleanup) }
        }
        return cleanups
    }

    /// Stops the instance's units: nothing writes to the database while it is put back.
    func stopUnits() async throws {
        if target.compose != nil { return try await composeStopApp() }
        try await tools.run(Systemctl.stop(target.units), timeout: .seconds(300))
    }

    /// Checks out `commit` in the in-place checkout (a rollback's code, or the previous code an undo puts back).
    func checkOut(_ commit: String) async throws {
        try await tools.run(commands.git(Git.checkout(dir: target.directory, commit: commit)), timeout: .seconds(600))
    }
}
