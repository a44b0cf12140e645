import Foundation
import StewardCore
import Testing
@testable import StewardSystem

extension DeployEngine {
    /// The dry-run: the preflight's verdict and every step with the command lines it would run. Reads only
    /// (`git ls-remote`, `git status`, the requirements' hash); changes nothing and records nothing.
    func planBefore(_ request: DeployRequest) async -> (lines: [String], refused: Bool) {
        var lines: [String] = []
        var refused = false
        // An app-code command without an app user to run it as is refused, and says why.
        var noAppUser: String?
        func shown(_ make: () throws -> Command) -> String {
            do { return try make().display } catch { noAppUser = "\(error)"; return "REFUSED: \(error)" }
        }
        record.ref = request.ref
        let previous = try? await currentRelease()
        record.previousCommit = previous?.commit
        lines.append("plan: deploy \(request.ref) to \(target.label) (\(target.spec.strategy.rawValue)), now running \(previous?.ref ?? previous?.commit.map { String($0.prefix(12)) } ?? "nothing known")")
        if let unfinished = try? Self.interrupted(state: state, app: target.app, instance: target.instance) {
            lines.append("  REFUSED: \(Self.interruptedMessage(unfinished))")
            refused = true
        }
        do {
            if case .done(let detail) = try await preflight(request) { lines.append(" 1 preflight     ok: \(detail)") }
        } catch {
            lines.append(" 1 preflight     REFUSED: \(tools.mask("\(error)"))")
            refused = true
        }
        let commit = record.commit.isEmpty ? "<commit of \(request.ref)>" : record.commit
        let release: String
        lines.append(" 2 lock          flock \(backups.stateDirectory)/locks/\(target.label).lock")
        let hookDir = target.spec.strategy == .inPlace ? target.directory : (previous?.release ?? target.directory)
        lines.append(" 3 pre-deploy    " + hookLineBefore("pre-deploy", in: hookDir, shown))
        switch target.spec.strategy {
        case .inPlace:
            release = target.directory
            lines.append(" 4 fetch         " + shown { try commands.git(Git.fetch(dir: target.directory, remote: target.spec.remote)) })
            lines.append("                 " + shown { try commands.git(Git.checkout(dir: target.directory, commit: commit)) })
        case .releases:
            release = target.releasesDirectory + "/" + ReleaseRetention.name(ref: request.ref, stamp: "<time>")
            lines.append(" 4 fetch         " + (FileManager.default.fileExists(atPath: target.cacheRepository)
                ? shown { try commands.git(Git.fetchMirror(dir: target.cacheRepository, repository: target.spec.repository)) }
                : shown { try commands.git(Git.cloneBare(from: target.spec.repository ?? "<deploy.repository>", into: target.cacheRepository)) }))
            lines.append("                 " + shown { try commands.git(Git.archive(dir: target.cacheRepository, commit: commit, output: target.directory + "/.steward-release-PID.tar")) })
            lines.append("                 " + shown { try asOwner(Tar.extractRelease(archive: target.directory + "/.steward-release-PID.tar", into: release)) })
            for path in target.spec.shared { lines.append("                 link \(release)/\(path) → \(target.sharedDirectory)/\(path)") }
        }
        if let venv = target.venv {
            let stamp = (try? BoundedFile.text(venv + "/.steward-requirements.sha256", limit: 4096))?.trimmingCharacters(in: .whitespacesAndNewlines)
            let command = shown { try commands.asAppUser(Pip.install(venv: venv, requirements: release + "/" + target.spec.requirements, extra: target.spec.pipArguments)) }
            lines.append(" 5 dependencies  when the sha256 of \(target.spec.requirements) differs from the venv's stamp (\(stamp.map { String($0.prefix(12)) } ?? "none")): " + command)
        } else {
            lines.append(" 5 dependencies  no venv: skipped")
        }
        let kind = migrator.kind(release: target.spec.strategy == .inPlace ? target.directory : (previous?.release ?? target.directory))
        let work = target.workdir(release)
        let databases = target.databases.map(\.label).joined(separator: ", ")
        let backupNote = target.databases.isEmpty ? "no database declared or found to back up" : "back up \(databases) to \(target.store)"
        switch kind {
        case .django:
            let venv = target.venv ?? "<venv>"
            lines.append(" 6 migrate       django: " + shown { try commands.app(Django.showPlan(venv: venv), in: work) })
            lines.append("                 when pending: \(backupNote), then " + shown { try commands.app(Django.migrate(venv: venv), in: work) })
        case .alembic:
            let venv = target.venv ?? "<venv>"
            lines.append(" 6 migrate       alembic: " + shown { try commands.app(Alembic.current(venv: venv), in: work) } + " vs heads")
            lines.append("                 when pending: \(backupNote), then " + shown { try commands.app(Alembic.upgradeHead(venv: venv), in: work) })
        case .sql:
            lines.append(" 6 migrate       sql: files of \(target.spec.migrations.directory) not in \(SQLMigrationTracking.table) (checksums checked); when pending: \(backupNote), then all of them with their tracking rows in one transaction, as \((try? commands.appUser()) ?? "the app's user")")
        case .command:
            lines.append(" 6 migrate       command: \((target.spec.migrations.command ?? []).joined(separator: " ")); \(backupNote) first")
        case .none, .auto:
            lines.append(" 6 migrate       no migrations detected")
        }
        if target.spec.build.isEmpty {
            lines.append(" 7 build         none")
        } else {
            for (i, argv) in target.spec.build.enumerated() { lines.append((i == 0 ? " 7 build         " : "                 ") + shown { try commands.declared(argv, in: work) }) }
        }
        if target.spec.strategy == .releases { lines.append(" 8 switch        rename \(target.directory)/.current-steward-PID → \(target.currentLink) (→ \(release))") }
        lines.append(" 8 restart       " + (target.spec.restart == .reload ? Systemctl.reload(target.units) : Systemctl.restart(target.units)).display
                     + (target.spec.restart == .auto ? " (reload instead when every unit can reload)" : ""))
        let ownSites = target.nginxSiteFiles.filter { Self.isFileOfRelease($0, base: target.directory) }
        if !ownSites.isEmpty {
            lines.append("                 when \(ownSites.joined(separator: ", ")) (a file of the release) changes: \(Nginx.testConfig().display) before the restart, \(Nginx.reload().display) after it")
        }
        lines.append(" 9 health        the checks of \(target.label), retried for up to \(target.spec.healthTimeoutSeconds) s; on failure: journal captured, code and database rolled back")
        lines.append("10 post-deploy   " + hookLineBefore("post-deploy", in: release, shown))
        if let noAppUser {
            lines.append("  REFUSED: \(noAppUser)")
            refused = true
        }
        // URLs with credentials (a repository, an index in pip_args) and the app's secrets are never shown.
        return (lines.map(tools.mask), refused)
    }

    private func hookLineBefore(_ name: String, in release: String, _ shown: (() throws -> Command) -> String) -> String {
        let path = release + "/.steward/hooks/" + name
        guard FileManager.default.fileExists(atPath: path) else { return "no .steward/hooks/\(name)" }
        return shown { try commands.app(Command(path, []), in: release) } + " (with STEWARD_* context)"
    }
}


/// TEMPORARY (h4): the dry-run before the step list, to prove the new one prints the same lines.
@Suite struct DeployPlanSameAsBeforeTests {
    @Test(arguments: [0, 1, 2, 3, 4, 5])
    func theSameLines(variant: Int) async throws {
        let app = try DeployFakeApp()
        switch variant {
        case 1: try app.hook("pre-deploy"); try app.hook("post-deploy"); app.spec.build = [["python", "manage.py", "collectstatic"], ["./bin/x", "y"]]
        case 2:
            app.spec.strategy = .releases; app.spec.repository = "/srv/git/chip.git"; app.spec.shared = ["media", "db.sqlite3"]
            app.runner.answer("ls-remote") { _ in CommandResult(exitCode: 0, stdout: "\(DeployFakeApp.v2)\trefs/tags/v1.1.0\n", stderr: "") }
        case 3: app.host = .fake(missing: ["git"]); app.spec.build = []; app.spec.restart = .reload
        case 4: try app.tree.write("/app/manage.py", ""); app.spec.migrations.kind = .auto
        case 5: try app.interrupted(running: .migrate)
        default: break
        }
        let new = await app.engine().plan(DeployRequest(ref: "v1.1.0"))
        let old = await app.engine().planBefore(DeployRequest(ref: "v1.1.0"))
        #expect(new.lines == old.lines)
        #expect(new.refused == old.refused)
        print("VARIANT \(variant)\n" + new.lines.joined(separator: "\n"))
    }
}
