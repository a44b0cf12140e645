import Foundation
import StewardCore

extension DeployEngine {
    /// The steps of a deploy of `request`, in order: what a deploy runs (a resume, those not completed) and what
    /// `--dry-run` shows. Each step's plan says what its run does, with the command lines it would run.
    func steps(_ request: DeployRequest) -> [DeployStepAction] {
        // The dry-run names the release directory the fetch would create (its time is known only then).
        let plannedRelease = target.spec.strategy == .inPlace
            ? target.directory : target.releasesDirectory + "/" + ReleaseRetention.name(ref: request.ref, stamp: "<time>")
        return [
            DeployStepAction(name: .preflight, plan: { sheet in
                do {
                    if case .done(let detail) = try await self.preflight(request) { sheet.line("ok: \(detail)") }
                } catch {
                    sheet.line("REFUSED: \(self.tools.mask("\(error)"))")
                    sheet.refuse()
                }
            }, run: { try await self.preflight(request) }),

            DeployStepAction(name: .lock, plan: planLock, run: { self.lockOutcome() }),

            DeployStepAction(name: .preDeploy, plan: { sheet in
                sheet.line(self.hookLine("pre-deploy", in: self.hookRelease, sheet))
            }, run: { try await self.hook("pre-deploy", release: self.hookRelease) }),

            DeployStepAction(name: .fetch, plan: { sheet in self.planFetch(sheet, ref: request.ref, release: plannedRelease) },
                             run: { try await self.prepareRelease() }),

            dependenciesStep(plannedRelease),

            DeployStepAction(name: .migrate, plan: { sheet in self.planMigrate(sheet, release: plannedRelease) },
                             run: { try await self.migrate() }),

            buildStep(plannedRelease),
        ] + cutoverSteps(plannedRelease) + [
            DeployStepAction(name: .postDeploy, plan: { sheet in
                sheet.line(self.hookLine("post-deploy", in: plannedRelease, sheet))
            }, run: { try await self.hook("post-deploy", release: self.record.release) }),
        ]
    }

    // The steps a rollback runs too (``rollbackSteps(_:)``): `plannedRelease` is the code they would act on.

    func planLock(_ sheet: DeployPlanSheet) {
        sheet.line("flock \(backups.stateDirectory)/locks/\(target.label).lock")
    }

    func dependenciesStep(_ plannedRelease: String) -> DeployStepAction {
        DeployStepAction(name: .dependencies, plan: { sheet in
            guard let venv = self.target.venv else { return sheet.line("no venv: skipped") }
            let stamp = self.requirementsStamp(venv)
            let command = sheet.shown { try self.commands.asAppUser(Pip.install(venv: venv, requirements: plannedRelease + "/" + self.target.spec.requirements, extra: self.target.spec.pipArguments)) }
            sheet.line("when the sha256 of \(self.target.spec.requirements) differs from the venv's stamp (\(stamp.map { String($0.prefix(12)) } ?? "none")): " + command)
        }, run: { try await self.installDependencies(release: self.record.release) })
    }

    func buildStep(_ plannedRelease: String) -> DeployStepAction {
        DeployStepAction(name: .build, plan: { sheet in
            if self.target.compose != nil { return self.planComposeBuild(sheet) }
            if self.target.spec.build.isEmpty { sheet.line("none") }
            for argv in self.target.spec.build { sheet.line(sheet.shown { try self.commands.declared(argv, in: self.target.workdir(plannedRelease)) }) }
        }, run: { try await self.build() })
    }

    func restartStep(_ plannedRelease: String) -> DeployStepAction {
        DeployStepAction(name: .restart, plan: { sheet in
            if self.target.compose != nil { return self.planComposeUp(sheet) }
            let spec = self.target.spec
            if spec.strategy == .releases { sheet.line("rename \(self.target.directory)/.current-steward-PID → \(self.target.currentLink) (→ \(plannedRelease))", label: "switch") }
            sheet.line((spec.restart == .reload ? Systemctl.reload(self.target.units) : Systemctl.restart(self.target.units)).display
                       + (spec.restart == .auto ? " (reload instead when every unit can reload)" : ""), label: DeployStep.restart.rawValue)
            let ownSites = self.target.nginxSiteFiles.filter(self.isFileOfRelease)
            if !ownSites.isEmpty {
                sheet.line("when \(ownSites.joined(separator: ", ")) (a file of the release) changes: \(Nginx.testConfig().display) before the restart, \(Nginx.reload().display) after it")
            }
        }, run: { try await self.switchAndRestart() })
    }

    func healthStep() -> DeployStepAction {
        DeployStepAction(name: .health, plan: { sheet in
            sheet.line("the checks of \(self.target.label), retried for up to \(self.target.spec.healthTimeoutSeconds) s; on failure: journal captured, code and database rolled back")
        }, run: { try await self.healthGate() })
    }

    func planFetch(_ sheet: DeployPlanSheet, ref: String, release: String) {
        let commit = record.commit.isEmpty ? "<commit of \(ref)>" : record.commit
        switch target.spec.strategy {
        case .inPlace:
            sheet.line(sheet.shown { try commands.git(Git.fetch(dir: target.directory, remote: target.spec.remote)) })
            sheet.line(sheet.shown { try commands.git(Git.checkout(dir: target.directory, commit: commit)) })
        case .releases, .blueGreen:
            sheet.line(files.exists(target.cacheRepository)
                ? sheet.shown { try commands.git(Git.fetchMirror(dir: target.cacheRepository, repository: target.spec.repository)) }
                : sheet.shown { try commands.git(Git.cloneBare(from: target.spec.repository ?? "<deploy.repository>", into: target.cacheRepository)) })
            sheet.line(sheet.shown { try commands.git(Git.archive(dir: target.cacheRepository, commit: commit, output: target.directory + "/.steward-release-PID.tar")) })
            sheet.line(sheet.shown { try asOwner(Tar.extractRelease(archive: target.directory + "/.steward-release-PID.tar", into: release)) })
            for path in target.spec.shared { sheet.line("link \(release)/\(path) → \(target.sharedDirectory)/\(path)") }
        }
    }

    private func planMigrate(_ sheet: DeployPlanSheet, release: String) {
        let work = target.workdir(release)
        let databases = target.databases.map(\.label).joined(separator: ", ")
        let backupNote = target.databases.isEmpty ? "no database declared or found to back up" : "back up \(databases) to \(target.store)"
        // The tool is told by the code that serves now (the new release's files are not there yet).
        switch migrator.kind(release: hookRelease) {
        case .django:
            let venv = target.venv ?? "<venv>"
            sheet.line("django: " + sheet.shown { try commands.app(Django.showPlan(venv: venv), in: work) })
            sheet.line("when pending: \(backupNote), then " + sheet.shown { try commands.app(Django.migrate(venv: venv), in: work) })
        case .alembic:
            let venv = target.venv ?? "<venv>"
            sheet.line("alembic: " + sheet.shown { try commands.app(Alembic.current(venv: venv), in: work) } + " vs heads")
            sheet.line("when pending: \(backupNote), then " + sheet.shown { try commands.app(Alembic.upgradeHead(venv: venv), in: work) })
        case .sql:
            sheet.line("sql: files of \(target.spec.migrations.directory) not in \(SQLMigrationTracking.table) (checksums checked); when pending: \(backupNote), then all of them with their tracking rows in one transaction, as \((try? commands.appUser()) ?? "the app's user")")
        case .command:
            sheet.line("command: \((target.spec.migrations.command ?? []).joined(separator: " ")); \(backupNote) first")
        case .none, .auto:
            sheet.line("no migrations detected")
        }
    }

    private func hookLine(_ name: String, in release: String, _ sheet: DeployPlanSheet) -> String {
        let path = release + "/.steward/hooks/" + name
        guard files.exists(path) else { return "no .steward/hooks/\(name)" }
        return sheet.shown { try commands.app(Command(path, []), in: release) } + " (with STEWARD_* context)"
    }
}
