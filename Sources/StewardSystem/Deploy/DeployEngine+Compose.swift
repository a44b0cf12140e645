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

    /// The Compose command as the project's owner (see above), or a refusal saying why it cannot run.
    func composeCommand(_ command: Command) throws -> Command {
        guard let status = files.status(target.directory) else { throw StoreError("\(target.directory) does not exist") }
        if status.uid == 0 { return command }
        guard let name = Account.name(of: status.uid), let account = Account.named(name) else {
            throw StoreError("\(target.directory) is owned by uid \(status.uid), which has no account to run docker compose as")
        }
        guard let docker = getgrnam("docker"), account.groups.contains(docker.pointee.gr_gid) || account.gid == docker.pointee.gr_gid else {
            throw StoreError("\(name) owns \(target.directory) but is not in the docker group: Steward runs docker compose as the project's owner, "
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
    func composeStopApp() async throws {
        guard let compose, !compose.appContainers.isEmpty else { return }
        try await tools.run(Docker.stop(compose.appContainers), timeout: .seconds(300))
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
