import Foundation
import StewardCore

/// A Docker Compose project's deploy: the in-place checkout of the tag (as its owner), the numbered SQL migrations
/// in its PostgreSQL container (``Migrator``), then instead of a build command and a unit restart, the images it
/// runs kept by a tag of Steward's, `compose build` and `compose up -d`; an undo names the previous images again by
/// their ids (recorded before the build) and brings the project up on them.
///
/// Compose runs as the project directory's owner, who must reach the Docker engine (the `docker` group): the compose
/// file and the Dockerfiles are that user's, and what they ask of the engine (a bind mount of `/`, a privileged
/// container) is that user's power already, never root's given to them. A project root owns is run as root.
extension DeployEngine {
    var compose: ComposeDeploy? { target.compose }

    /// The Compose command as the project's owner (see above), or a refusal saying why it cannot run. What Compose
    /// reads is judged like a checkout git runs in, component by component from `/`: the directories above the
    /// project root's or the owner's (a root-owned link there is followed, as any path of the system's), and inside
    /// it the compose files and `.env` no links, no `..`, each directory and file the owner's or root's; none
    /// writable by others, or by a group other than the owner's own (a `.env` of `root:pulse 0640` is fine for pulse).
    /// A project whose directory is root's runs as root only when every one of them is root's alone.
    func composeCommand(_ command: Command) throws -> Command {
        guard let compose else { return command }
        let directory = target.directory
        let host: (String) -> String = { (self.files as? HostDeployFiles)?.hostPath($0) ?? $0 }
        var st = stat()
        guard lstat(host(directory), &st) == 0 else { throw StoreError("\(directory) does not exist") }
        let uid = st.st_uid
        let group = uid == 0 ? gid_t(0) : (Account.name(of: uid).flatMap(Account.named)?.gid ?? gid_t.max)
        func judge(_ path: String, inside: Bool) throws {
            var st = stat()
            guard lstat(host(path), &st) == 0 else { throw StoreError("\(path) does not exist") }
            if (st.st_mode & S_IFMT) == S_IFLNK {
                guard !inside, st.st_uid == 0 else { throw StoreError("\(path) is a symbolic link; Steward runs Compose only on a project's own files, never through a link") }
                return
            }
            let name = { Account.name(of: $0) ?? "uid \($0)" }
            guard st.st_uid == 0 || st.st_uid == uid else {
                throw StoreError("\(path) is \(name(st.st_uid))'s but \(directory) is \(name(uid))'s: Compose runs as the directory's owner on what that user or root controls, never on another user's")
            }
            let sticky = (st.st_mode & S_IFMT) == S_IFDIR && st.st_mode & 0o1000 != 0
            if st.st_mode & 0o002 != 0 && !(sticky && !inside) || st.st_mode & 0o020 != 0 && st.st_gid != group && st.st_gid != 0 {
                throw StoreError("\(path) is writable by \(st.st_mode & 0o002 != 0 ? "everyone" : "its group") (mode \(String(st.st_mode & 0o7777, radix: 8))): Compose would run on what another user writes; make it writable by its owner only")
            }
        }
        let env = directory + "/" + compose.envFile
        let read = compose.cli.files + (files.exists(env) ? [env] : [])
        guard !compose.cli.files.isEmpty else { throw StoreError("no compose file of \(compose.cli.project) is known; declare apps.\(target.app).compose.files") }
        // The directories down to the project's.
        var walked = ""
        for part in directory.split(separator: "/") {
            guard part != ".." else { throw StoreError("\(directory) has a `..` component") }
            walked += "/" + part
            try judge(walked, inside: walked == directory)
        }
        for path in read {
            guard path.hasPrefix(directory + "/") else {
                throw StoreError("\(path) (a compose file of \(compose.cli.project)) is outside \(directory); Steward runs Compose only on a project's own files")
            }
            var inner = directory
            for part in path.dropFirst(directory.count + 1).split(separator: "/") {
                guard part != "..", part != "." else { throw StoreError("\(path) has a `\(part)` component") }
                inner += "/" + part
                try judge(inner, inside: true)
            }
        }
        if uid == 0 { return command }
        guard let name = Account.name(of: uid), let account = Account.named(name) else {
            throw StoreError("\(directory) is owned by uid \(uid), which has no account to run docker compose as")
        }
        guard let docker = getgrnam("docker"), account.groups.contains(docker.pointee.gr_gid) || account.gid == docker.pointee.gr_gid else {
            throw StoreError("\(name) owns \(directory) but is not in the docker group: Steward runs docker compose as the project's owner, "
                             + "never as root on files another user controls; add \(name) to the docker group (which already lets it control the engine) or give the project to root")
        }
        return command.asUser(name)
    }

    /// The preflight's part: the tools, the owner who runs Compose, and the images that run now (recorded once: a
    /// resumed deploy keeps those of before its first build).
    func composePreflight() throws -> String {
        guard let compose else { return "" }
        for tool in ["docker", compose.cli.base[0]] where host.tool(tool) == nil { throw DeployRefusal("\(tool) is not installed (needed by this deploy)") }
        do { _ = try composeCommand(compose.cli.build()) } catch { throw DeployRefusal("\(error)") }
        // Its migrations run in its database's container; the app's own tools (manage.py, alembic) would run on the host.
        let kind = migrator.kind(release: target.directory)
        guard [.sql, .none].contains(kind) else {
            throw DeployRefusal("a Compose project's migrations are numbered SQL files run in its PostgreSQL container; \(kind.rawValue) migrations would run on the host: set apps.\(target.app).deploy.migrations.kind to sql or none")
        }
        if kind == .sql, compose.database == nil {
            throw DeployRefusal("\(target.spec.migrations.directory) holds migrations, but no PostgreSQL service of \(compose.cli.project) runs to apply them in")
        }
        guard target.spec.build.isEmpty else {
            throw DeployRefusal("apps.\(target.app).deploy.build is not used for a Compose project: its images are built by docker compose build")
        }
        if record.previousImages == nil { record.previousImages = compose.images }
        // The .env the running release was deployed with (kept by the last deploy that succeeded; else the file as it
        // is now): an undo puts it back, so a variable added for the new release goes too.
        // (Not for a dry run's preflight: it has no record.)
        if record.envSnapshot == nil, record.id != 0 {
            do {
                let lastGood = try state.deploys(app: target.app, instance: target.instance, limit: 50)
                    .first { $0.status == .succeeded && $0.id != record.id }?.envSnapshot
                record.envSnapshot = try lastGood.flatMap { try ComposeEnvFile.copy($0, stateDirectory: backups.stateDirectory, deploy: record.id) }
                    ?? ComposeEnvFile.snapshot(directory: target.directory, name: compose.envFile, stateDirectory: backups.stateDirectory, deploy: record.id)
            } catch {
                throw DeployRefusal("cannot keep \(target.directory)/\(compose.envFile) before the deploy: \(error)")
            }
        }
        let images = (record.previousImages ?? []).map { "\($0.service) \(String($0.id.replacingOccurrences(of: "sha256:", with: "").prefix(12)))" }
        return images.isEmpty ? "no built services" : "images now: " + images.joined(separator: ", ")
    }

    /// Keeps the running images (a tag each), then builds the checked-out release's.
    func composeBuild() async throws -> StepOutcome {
        guard let compose else { return .skipped("no compose project") }
        var kept: [String] = []
        for image in record.previousImages ?? [] {
            let tag = ComposeDeployTag.keep(project: compose.cli.project, service: image.service, deploy: record.id)
            try await tools.run(Docker.tag(image.id, as: tag), timeout: .seconds(60))
            kept.append(tag)
        }
        try await tools.run(try composeCommand(compose.cli.build()), timeout: .seconds(3600))
        return .done((["built the images of \(compose.cli.project)"] + (kept.isEmpty ? [] : ["the previous ones kept as \(kept.joined(separator: ", "))"])).joined(separator: "; "))
    }

    /// `compose up -d`: the containers whose image changed are recreated on the new one.
    func composeUp() async throws -> StepOutcome {
        guard let compose else { return .skipped("no compose project") }
        restartedAt = Date()
        try await tools.run(try composeCommand(compose.cli.up()), timeout: .seconds(1800))
        return .done("docker compose up -d: \(compose.cli.project) runs \(record.ref)")
    }

    /// An undo's start: the previous images named again as the services' images, then `up -d` on them.
    func composeUpPrevious() async throws {
        guard let compose else { return }
        for image in record.previousImages ?? [] {
            try await tools.run(Docker.tag(image.id, as: image.reference), timeout: .seconds(60))
        }
        try await tools.run(try composeCommand(compose.cli.up()), timeout: .seconds(1800))
    }

    /// Stops the project's containers other than its database's, while the database is put back.
    /// Which containers run is asked at stop time: a release may have added a service, `up -d` started it.
    func composeStopApp() async throws {
        guard let compose else { return }
        let databases = Set(target.databases.compactMap(\.service))
        let running = try await tools.run(Docker.runningProjectContainers(project: compose.cli.project), timeout: .seconds(30)).stdout
        let app = running.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            return parts.count == 2 && !databases.contains(parts[1]) ? parts[0] : nil
        }
        guard !app.isEmpty else { return }
        try await tools.run(Docker.stop(app), timeout: .seconds(300))
    }

    /// The dry-run lines of the build and up steps.
    func planComposeBuild(_ sheet: DeployPlanSheet) {
        guard let compose else { return }
        for image in compose.images {
            sheet.line(Docker.tag(image.id, as: ComposeDeployTag.keep(project: compose.cli.project, service: image.service, deploy: record.id)).display)
        }
        sheet.line(sheet.shown { try composeCommand(compose.cli.build()) })
    }

    func planComposeUp(_ sheet: DeployPlanSheet) {
        guard let compose else { return }
        sheet.line(sheet.shown { try composeCommand(compose.cli.up()) }, label: DeployStep.restart.rawValue)
    }

    /// The undo's part for the `.env`: put back when it differs from the snapshot. Returns what it did, nil for nothing.
    func composeRestoreEnv() throws -> String? {
        guard let compose = target.compose, let snapshot = record.envSnapshot else { return nil }
        return try ComposeEnvFile.restore(snapshot, directory: target.directory, name: compose.envFile)
            ? "put \(target.directory)/\(compose.envFile) back as it was before the deploy" : nil
    }

    /// Once the deploy is over (``finish()``): a deploy that succeeded keeps the `.env` its release runs with (what the
    /// next deploy's undo puts back) in place of the previous one's; an undone one drops its copy; one whose undo
    /// failed keeps it for the operator.
    func composeFinishEnv() {
        guard target.compose != nil else { return }
        switch record.status {
        case .succeeded:
            let before = record.envSnapshot
            ComposeEnvFile.discard(before)
            record.envSnapshot = try? ComposeEnvFile.snapshot(directory: target.directory, name: target.compose?.envFile ?? ".env", stateDirectory: backups.stateDirectory, deploy: record.id)
            // The previous successful deploy's copy is no longer what anything restores.
            if let previous = try? state.deploys(app: target.app, instance: target.instance, limit: 50)
                .first(where: { $0.status == .succeeded && $0.id != record.id })?.envSnapshot, previous.path != record.envSnapshot?.path {
                ComposeEnvFile.discard(previous)
            }
        case .rollbackFailed, .running:
            break
        default:
            ComposeEnvFile.discard(record.envSnapshot)
        }
    }
}
