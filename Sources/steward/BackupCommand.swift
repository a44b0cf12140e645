import ArgumentParser
import Foundation
import StewardCore
import StewardOps
import StewardSystem

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up apps' databases, directories and config; verify backups by restoring them; prune; schedule.",
        discussion: """
            `steward backup APP[@INSTANCE]` backs up what the manifest declares under apps.APP.backup, or by default \
            the database the app's env file names (DATABASE_URL: PostgreSQL with pg_dump, SQLite with its online backup \
            API) and a snapshot of its env and unit files. Files go to <store>/APP/INSTANCE/ (0700, files 0600) and enter \
            the catalog in the state database only when complete, with their SHA-256.
            """,
        subcommands: [BackupRun.self, BackupVerify.self, BackupPrune.self, BackupSchedule.self],
        defaultSubcommand: BackupRun.self)
}

struct BackupRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Back up an app instance (the default subcommand).")

    @Argument(help: "APP or APP@INSTANCE; every app when omitted.")
    var target: String?

    @Flag(help: "Verify each new backup by restoring it into a scratch target.")
    var verify = false

    @Option(help: "Why the backup is taken, recorded in the catalog: manual, scheduled, pre-deploy.")
    var reason: String = "manual"

    @Option(help: "Output format: text or json.")
    var format: ListFormat = .text

    @Option(help: "Progress events: text, or jsonl (JSON lines on stderr).")
    var events: EventStyle = .text

    @OptionGroup var options: BackupOptions

    @OptionGroup(title: "Fleet")
    var fleet: FleetOptions

    func validate() throws {
        guard BackupOperation.reasons.contains(reason) else {
            throw ValidationError("--reason: expected manual, scheduled or pre-deploy, got \"\(reason.prefix(30))\"")
        }
    }

    func run() async throws {
        let request = BackupOperation.Request(target: target, verify: verify, reason: reason, manifest: options.manifest, store: options.store)
        if fleet.hosts != nil {
            // Each host backs up with its own manifest; --manifest here names the fleet's (hosts:).
            let remote = BackupOperation.Request(target: target, verify: verify, reason: reason, manifest: nil, store: options.store)
            try await FleetCLI.run(BackupOperation.self, remote, fleet: fleet, manifest: options.manifest, state: options.state,
                                   format: format == .json ? .json : .text, events: events) { BackupRunText.render($0) }
        }
        let output = try await OperationCLI.run(BackupOperation.self, request, statePath: options.state, json: format == .json, events: events)
        if format == .json { OperationCLI.printJSON(output) } else if events == .jsonl { print(BackupRunText.render(output), terminator: "") }
        if output.exitCode != 0 { throw ExitCode(output.exitCode) }
    }
}

struct BackupVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Prove backups by restoring them into a scratch target and comparing row or file counts.")

    @Argument(help: "A backup id (#12 or 12), or with --latest an APP[@INSTANCE].")
    var id: String?

    @Flag(help: "Verify the newest backup of each source (of the app given, or of every app).")
    var latest = false

    @Flag(help: "Use PRAGMA quick_check instead of integrity_check for SQLite (faster on large databases).")
    var quick = false

    @Option(help: "Output format: text or json (schema steward.verify/1).")
    var format: ListFormat = .text

    @Option(help: "Progress events: text, or jsonl (JSON lines on stderr).")
    var events: EventStyle = .text

    @OptionGroup var options: BackupOptions

    func validate() throws {
        if !latest && id == nil { throw ValidationError("give a backup id, or --latest [APP[@INSTANCE]]") }
        if !latest, let id, Int64(id.drop { $0 == "#" }) == nil { throw ValidationError("ID: expected a backup id like 12, got \"\(id.prefix(30))\"") }
    }

    func run() async throws {
        let request = VerifyOperation.Request(id: latest ? nil : id, latest: latest, target: latest ? id : nil, quick: quick,
                                              manifest: options.manifest, store: options.store)
        let output = try await OperationCLI.run(VerifyOperation.self, request, statePath: options.state, json: format == .json, events: events)
        if format == .json { OperationCLI.printJSON(output) } else if events == .jsonl { print(BackupVerifyText.render(output), terminator: "") }
        if output.exitCode != 0 { throw ExitCode(output.exitCode) }
    }
}

struct BackupPrune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Delete backups beyond the manifest's retention (keep: last, daily, weekly).",
        discussion: "Never deletes the newest backup of a source, its newest verified backup, or a backup a running restore uses.")

    @Argument(help: "APP or APP@INSTANCE; every app when omitted.")
    var target: String?

    @Flag(help: "Show what would be deleted and why the rest is kept; delete nothing.")
    var dryRun = false

    @Option(help: "Output format: text or json (schema steward.prune/1).")
    var format: ListFormat = .text

    @Option(help: "Progress events: text, or jsonl (JSON lines on stderr).")
    var events: EventStyle = .text

    @OptionGroup var options: BackupOptions

    func run() async throws {
        let request = PruneOperation.Request(target: target, dryRun: dryRun, manifest: options.manifest)
        let output = try await OperationCLI.run(PruneOperation.self, request, statePath: options.state, json: format == .json, events: events)
        if format == .json { OperationCLI.printJSON(output) } else { print(BackupPruneText.render(output), terminator: "") }
    }
}

struct BackupSchedule: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Install a systemd timer that backs up and verifies an app on the manifest's schedule.")

    @Argument(help: "The app.")
    var app: String

    @Flag(help: "Print the unit files and commands; install nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Where to write the units.", visibility: .hidden))
    var unitDirectory: String = "/etc/systemd/system"

    @Option(help: "Output format: text or json (schema steward.schedule/1).")
    var format: ListFormat = .text

    @Option(help: "Progress events: text, or jsonl (JSON lines on stderr).")
    var events: EventStyle = .text

    @OptionGroup var options: BackupOptions

    func run() async throws {
        let request = ScheduleOperation.Request(app: app, dryRun: dryRun, unitDirectory: unitDirectory, manifest: options.manifest, store: options.store)
        let output = try await OperationCLI.run(ScheduleOperation.self, request, statePath: options.state, json: format == .json, events: events)
        if format == .json {
            OperationCLI.printJSON(output)
        } else if dryRun || events == .jsonl {
            print(BackupScheduleText.render(output), terminator: "")
        }
    }
}

struct BackupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backups", abstract: "List the backup catalog: id, time, source, size, checksum, duration, verification.")

    @Argument(help: "APP or APP@INSTANCE; every app when omitted.")
    var target: String?

    @Option(help: "Output format: text or json.")
    var format: ListFormat = .text

    @Option(help: "Steward's state database (the backup catalog).")
    var state: String = StateStore.defaultPath

    @OptionGroup(title: "Fleet")
    var fleet: FleetOptions

    func run() async throws {
        if fleet.hosts != nil {
            try await FleetCLI.run(CatalogOperation.self, .init(target: target), fleet: fleet, manifest: nil, state: state,
                                   format: format == .json ? .json : .text) { BackupCatalogText.render($0, target: target, state: state) }
        }
        let output = try await OperationCLI.run(CatalogOperation.self, .init(target: target), statePath: state, json: format == .json)
        if format == .json { OperationCLI.printJSON(output) } else { print(BackupCatalogText.render(output, target: target, state: state), terminator: "") }
    }
}
