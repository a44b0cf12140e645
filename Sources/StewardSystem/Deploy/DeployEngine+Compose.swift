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
    /// reads is judged like a checkout git runs in: the directory, its compose files and its `.env` are no links,
    /// inside the directory, each the directory owner's or root's, and a root-owned one writable by root alone (a
    /// `.env` of `root:pulse 0640` is fine for pulse). A project whose directory is root's runs as root only when
    /// every one of them is root's alone.
    func composeCommand(_ command: Command) throws -> Command {
        guard let compose else { return command }
        let directory = target.directory
        let env = directory + "/.env"
        guard let top = files.status(directory) else { throw StoreError("\(directory) does not exist") }
        let uid = top.uid
        for path in [directory] + compose.cli.files + (files.exists(env) ? [env] : []) {
            if path != directory, !path.hasPrefix(directory + "/") {
                throw StoreError("\(path) (a compose file of \(compose.cli.project)) is outside \(directory); Steward runs Compose only on a project's own files")
            }
            if files.readLink(path) != nil { throw StoreError("\(path) is a symbolic link; Steward runs Compose only on a project's own files, never through a link") }
            guard let status = files.status(path) else { throw StoreError("\(path) does not exist") }
            if status.uid == 0 {
                if status.mode & 0o022 != 0 {
                    throw StoreError("\(path) is root's but writable by its group or everyone: Compose would run on what another user writes; make it writable by root only")
                }
            } else if status.uid != uid {
                let names = [uid, status.uid].map { Account.name(of: $0) ?? "uid \($0)" }
                throw StoreError("\(path) is \(names[1])'s but \(directory) is \(names[0])'s: Compose runs as the directory's owner on files that user or root controls, never on another user's")
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
}
