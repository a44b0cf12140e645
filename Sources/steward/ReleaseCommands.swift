import ArgumentParser
import Foundation
import StewardOps
import StewardSystem

struct ReleasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "releases", abstract: "The deploy history of an app instance, with results and step timings.")

    @Argument(help: "APP@INSTANCE (or APP).")
    var target: String

    @Option(help: "Output format: text or json (schema steward.releases/1).")
    var format: ListFormat = .text

    @Option(help: "Show at most this many deploys.")
    var limit: Int = 20

    @Option(help: "Steward's state database.")
    var state: String = StateStore.defaultPath

    @OptionGroup(title: "Fleet")
    var fleet: FleetOptions

    func run() async throws {
        if fleet.hosts != nil {
            try await FleetCLI.run(ReleasesOperation.self, .init(target: target, limit: limit), fleet: fleet, manifest: nil, state: state,
                                   format: format == .json ? .json : .text) { ReleasesText.render($0) }
        }
        let output = try await OperationCLI.run(ReleasesOperation.self, .init(target: target, limit: limit), statePath: state, json: format == .json)
        if format == .json { OperationCLI.printJSON(output) } else { print(ReleasesText.render(output), terminator: "") }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "What each app instance runs, its last deploy, and any interrupted deploy.",
        discussion: "Exit 0 when nothing is pending; 1 when a deploy was interrupted and waits for --resume or --abort.")

    @Argument(help: "APP or APP@INSTANCE; all when omitted.")
    var target: String?

    @Option(help: "Steward's state database.")
    var state: String = StateStore.defaultPath

    @Option(help: "Output format: text or json (schema steward.status/1).")
    var format: ListFormat = .text

    @OptionGroup(title: "Fleet")
    var fleet: FleetOptions

    func run() async throws {
        if fleet.hosts != nil {
            try await FleetCLI.run(StatusOperation.self, .init(target: target), fleet: fleet, manifest: nil, state: state,
                                   format: format == .json ? .json : .text) { StatusText.render($0) }
        }
        let output = try await OperationCLI.run(StatusOperation.self, .init(target: target), statePath: state, json: format == .json)
        if format == .json { OperationCLI.printJSON(output) } else { print(StatusText.render(output), terminator: "") }
        if output.exitCode != 0 { throw ExitCode(output.exitCode) }
    }
}

struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Go back to the previous good release (or --to TAG), with or without its database.",
        discussion: """
            When the database schema changed since that release, say what to do with it: --restore-db restores the \
            backup taken before the deploy that followed it (data written since is lost); --keep-db keeps the database \
            as it is (the older code must then work with the newer schema).
            """)

    @Argument(help: "APP@INSTANCE (or APP).")
    var target: String

    @Option(help: "A tag (or commit) deployed successfully before; default: the previous good release.")
    var to: String?

    @Flag(help: "Restore the database backup taken before the deploy that followed that release.")
    var restoreDb = false

    @Flag(help: "Keep the database as it is.")
    var keepDb = false

    @Flag(help: "Show the plan with every command line; change nothing.")
    var dryRun = false

    @OptionGroup var options: BackupOptions

    @Option(help: "Output format: text or json (schema steward.rollback/1).")
    var format: ListFormat = .text

    @Option(help: "Progress as text lines (default) or JSON lines on stderr.")
    var events: EventStyle = .text

    var request: RollbackOperation.Request {
        .init(target: target, to: to, restoreDb: restoreDb, keepDb: keepDb, dryRun: dryRun, manifest: options.manifest, store: options.store)
    }

    func validate() throws {
        if let problem = request.problem { throw ValidationError(problem) }
    }

    @OptionGroup(title: "Fleet")
    var fleet: FleetOptions

    func run() async throws {
        if fleet.hosts != nil {
            // Every host named goes back at once, each to its own previous good release (or --to).
            var remote = request
            remote.manifest = nil
            try await FleetCLI.run(RollbackOperation.self, remote, fleet: fleet, manifest: options.manifest, state: options.state,
                                   format: format == .json ? .json : .text, events: events) { DeployText.render($0) }
        }
        let output = try await OperationCLI.run(RollbackOperation.self, request, statePath: options.state, json: format == .json, events: events)
        if format == .json { OperationCLI.printJSON(output) } else { print(DeployText.render(output), terminator: "") }
        DeployText.reportUnrecorded(output.stateWriteError)
        throw ExitCode(output.exitCode)
    }
}

struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "Deploy to one instance exactly the tag another runs (test → prod), on this host or across two.",
        discussion: """
            Refused when the source instance is not on a tag or its checks fail. Across hosts (--from test@n1-test \
            --to prod@n1-prod, host names from the inventory), the source host is asked what it runs over SSH and the \
            destination deploys that tag only if it names the same commit there.
            """)

    @Argument(help: "The app.")
    var app: String

    @Option(help: ArgumentHelp("The instance whose release is promoted, on this host or INSTANCE@HOST.", valueName: "instance[@host]"))
    var from: String = "test"

    @Option(help: ArgumentHelp("The instance deployed, on this host or INSTANCE@HOST.", valueName: "instance[@host]"))
    var to: String = "prod"

    @Flag(help: "Show the plan; change nothing.")
    var dryRun = false

    @OptionGroup var options: BackupOptions

    @Option(help: "Output format: text or json (schema steward.promote/1).")
    var format: ListFormat = .text

    @Option(help: "Progress as text lines (default) or JSON lines on stderr.")
    var events: EventStyle = .text

    @Option(help: "Across hosts: the fleet's inventory file (default: hosts: of the manifest).")
    var inventory: String?

    @Option(name: .customLong("ssh-config"), help: "Across hosts: an ssh_config file for the connections (ssh -F).")
    var sshConfig: String?

    /// `INSTANCE@HOST` split; nil host for a bare instance.
    static func split(_ value: String) -> (instance: String, host: String?) {
        guard let at = value.firstIndex(of: "@") else { return (value, nil) }
        return (String(value[..<at]), String(value[value.index(after: at)...]))
    }

    var request: PromoteOperation.Request {
        .init(app: app, from: from, to: to, dryRun: dryRun, manifest: options.manifest, store: options.store)
    }

    func validate() throws {
        let (source, destination) = (Self.split(from), Self.split(to))
        switch (source.host, destination.host) {
        case (nil, nil):
            if let problem = request.problem { throw ValidationError(problem) }
            if inventory != nil || sshConfig != nil { throw ValidationError("--inventory and --ssh-config go with --from and --to naming hosts (INSTANCE@HOST)") }
        case (let a?, let b?):
            for (flag, part) in [("--from", source), ("--to", destination)] where part.instance.isEmpty || part.host?.isEmpty != false {
                throw ValidationError("\(flag): expected INSTANCE@HOST, e.g. test@n1-test")
            }
            if a == b && source.instance == destination.instance { throw ValidationError("--from and --to name the same instance") }
        default:
            throw ValidationError("--from and --to name hosts both (test@n1-test, prod@n1-prod) or neither")
        }
    }

    func run() async throws {
        let (source, destination) = (Self.split(from), Self.split(to))
        if let sourceHost = source.host, let destinationHost = destination.host {
            try await FleetCLI.promote(app: app, from: (source.instance, sourceHost), to: (destination.instance, destinationHost), dryRun: dryRun,
                                       options: options, inventory: inventory, sshConfig: sshConfig, json: format == .json, events: events)
        }
        let output = try await OperationCLI.run(PromoteOperation.self, request, statePath: options.state, json: format == .json, events: events)
        if format == .json { OperationCLI.printJSON(output) } else { print(DeployText.render(output.deploy), terminator: "") }
        DeployText.reportUnrecorded(output.deploy.stateWriteError)
        throw ExitCode(output.exitCode)
    }
}
