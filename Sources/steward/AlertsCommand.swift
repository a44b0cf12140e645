import ArgumentParser
import Foundation
import StewardCore
import StewardOps
import StewardSystem

/// `steward alerts [list] | ack ID | silence [TARGET] | silences | unsilence ID` (``AlertsOperation``).
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "List, acknowledge and silence the alerts steward serve raised.",
        discussion: """
            Alerts live in the daemon's history (serve.history.path). Acknowledging asks the running daemon, which \
            tells every channel already told; a silence is written at once and the daemon honours it within a second. \
            Deploys, rollbacks, restores and backups silence their instance by themselves (serve.alerts.operation_grace).
            """,
        subcommands: [List.self, Ack.self, Silence.self, Silences.self, Unsilence.self], defaultSubcommand: List.self)

    struct Common: ParsableArguments {
        @Option(help: "The manifest whose serve section names the history (default: ./steward.yml, else /etc/steward/steward.yml).")
        var manifest: String?

        @Option(help: "The history database instead of the manifest's serve.history.path.")
        var history: String?

        @Option(help: "Steward's state database (where changes are recorded, and operations are read).")
        var state: String = StateStore.defaultPath

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Open alerts (firing or acknowledged), or with --all the latest 200.")

        @Flag(help: "Resolved alerts too.")
        var all = false

        @OptionGroup var common: Common

        func run() async throws {
            let output = try await AlertsCommand.run(.init(action: .list, all: all, manifest: common.manifest, history: common.history), common)
            if common.format == .json { return OperationCLI.printJSON(output) }
            if output.alerts.isEmpty { return print(all ? "no alerts" : "no open alerts") }
            for alert in output.alerts {
                let since = alert.since.map { " since \(Timestamp.iso($0))" } ?? ""
                print("#\(alert.id) \(alert.state.uppercased()) \(alert.severity) \(alert.rule): \(alert.subject)\(since)")
                print("    \(alert.summary)")
                if let by = alert.acknowledgedBy { print("    acknowledged by \(by)") }
                if let deploy = alert.deploy { print("    \(deploy)") }
                if let silenced = alert.silenced { print("    \(silenced)") }
            }
        }
    }

    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge a firing alert: reminders and escalation stop.")

        @Argument(help: "The alert's id (steward alerts list).")
        var id: Int64

        @Option(help: "Seconds to wait for the daemon to take it.")
        var wait: Double = 10

        @Flag(help: "Check that the alert fires; change nothing.")
        var dryRun = false

        @OptionGroup var common: Common

        func run() async throws {
            let output = try await AlertsCommand.run(.init(action: .ack, id: id, manifest: common.manifest, history: common.history,
                                                           wait: wait, dryRun: dryRun), common)
            if common.format == .json { return OperationCLI.printJSON(output) }
            print(output.result ?? "")
        }
    }

    struct Silence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "silence", abstract: "Silence an app, an instance or one check of it for a while.")

        @Argument(help: "APP or APP@INSTANCE; absent: the whole host.")
        var target: String?

        @Option(help: "One check key or finding subject only.")
        var subject: String?

        @Option(name: .customLong("for"), help: "How long: 30m, 2h, 1d (at most 30d).")
        var duration: String

        @Option(help: "Why; shown next to every alert it silences.")
        var reason: String

        @Flag(help: "Check the silence; write nothing.")
        var dryRun = false

        @OptionGroup var common: Common

        func run() async throws {
            let draft = SilenceDraft(target: target, subject: subject, duration: duration, reason: reason)
            let output = try await AlertsCommand.run(.init(action: .silence, silence: draft, manifest: common.manifest,
                                                           history: common.history, dryRun: dryRun), common)
            if common.format == .json { return OperationCLI.printJSON(output) }
            for s in output.silences {
                let id = dryRun ? "" : " #\(s.id)"
                print("\(dryRun ? "would silence" : "silenced")\(id) \(s.target ?? "the host")\(s.subject.map { " (\($0))" } ?? "") until \(Timestamp.iso(s.endsAt)): \(s.reason)")
            }
        }
    }

    struct Silences: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "silences", abstract: "Silences in force or to come.")

        @OptionGroup var common: Common

        func run() async throws {
            let output = try await AlertsCommand.run(.init(action: .silences, manifest: common.manifest, history: common.history), common)
            if common.format == .json { return OperationCLI.printJSON(output) }
            if output.silences.isEmpty { return print("no silences") }
            for s in output.silences {
                print("#\(s.id) \(s.target ?? "the host")\(s.subject.map { " (\($0))" } ?? "") until \(Timestamp.iso(s.endsAt)) by \(s.createdBy): \(s.reason)")
            }
        }
    }

    struct Unsilence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unsilence", abstract: "End a silence now.")

        @Argument(help: "The silence's id (steward alerts silences).")
        var id: Int64

        @Flag(help: "Check that the silence is in force; change nothing.")
        var dryRun = false

        @OptionGroup var common: Common

        func run() async throws {
            let output = try await AlertsCommand.run(.init(action: .unsilence, id: id, manifest: common.manifest, history: common.history,
                                                           dryRun: dryRun), common)
            if common.format == .json { return OperationCLI.printJSON(output) }
            print(output.result ?? "")
        }
    }

    static func run(_ request: AlertsOperation.Request, _ common: Common) async throws -> AlertsOperation.Output {
        try await OperationCLI.run(AlertsOperation.self, request, statePath: common.state, json: common.format == .json)
    }
}
