import ArgumentParser
import Foundation
import StewardCore
import StewardOps
import StewardSystem

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Inspect this host and report findings with fixes.",
        discussion: """
            Gathers facts concurrently (systemd units, journal, listening sockets, env files, app directories and \
            git state, nginx, ngrok) and applies every rule (`steward rules` lists them). Env values are read for \
            analysis and never printed.
            """)

    @Option(name: .shortAndLong, help: "Output format: text, json or markdown (the host's runbook).")
    var format: OutputFormat = .text

    @Option(name: .shortAndLong, help: "Manifest to use (default: ./steward.yml, then /etc/steward/steward.yml).")
    var manifest: String?

    @Option(help: "How far back to read logs, e.g. 30m, 6h, 24h, 7d (default: the manifest's journal_window, or 24h).")
    var since: String?

    @Option(help: ArgumentHelp("Read files under this directory instead of / (for fixture trees).", visibility: .hidden))
    var root: String = "/"

    @Flag(help: "Never colour the text output (NO_COLOR in the environment does the same).")
    var noColor = false

    @Option(help: "Steward's state database, for the backup rules (under --root when given).")
    var state: String = StateStore.defaultPath

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    func validate() throws {
        if fleet.hosts != nil && (root != "/" || output != nil) {
            throw ValidationError("--hosts: --root and --output apply to this host only")
        }
        if let since, TimeWindow.parseHours(since) == nil {
            throw ValidationError("--since: expected a duration like 30m, 6h, 24h or 7d, got \"\(since.prefix(20))\"")
        }
    }

    @Option(help: "Progress events: text, or jsonl (JSON lines on stderr).")
    var events: EventStyle = .text

    @OptionGroup(title: "Fleet")
    var fleet: FleetOptions

    func run() async throws {
        let request = AuditOperation.Request(manifest: manifest, since: since, state: state)
        if fleet.hosts != nil {
            // Each host audits itself with its own manifest (the default places there) and renders as here.
            let remote = AuditOperation.Request(manifest: nil, since: since, state: state)
            try await FleetCLI.run(AuditOperation.self, remote, fleet: fleet, manifest: manifest,
                                   format: format == .json ? .json : format == .markdown ? .markdown : .text, events: events) { report in
                format == .markdown ? MarkdownRenderer.render(report) : TextRenderer(color: false).render(report)
            }
        }
        let report = try await OperationCLI.run(AuditOperation.self, request, root: root, json: format == .json, events: events)
        let text: String
        switch format {
        case .json: text = JSONRenderer.render(report)
        case .markdown: text = MarkdownRenderer.render(report)
        case .text:
            let env = ProcessInfo.processInfo.environment
            let color = !noColor && output == nil && (env["NO_COLOR"] ?? "").isEmpty && isatty(STDOUT_FILENO) == 1
            text = TextRenderer(color: color).render(report)
        }
        let masked = Redactor.maskKnown(report.knownSecrets, in: text)
        if let output {
            do {
                try masked.write(toFile: output, atomically: true, encoding: .utf8)
            } catch {
                Self.fail("cannot write \(output): \(error.localizedDescription)")
            }
        } else {
            FileHandle.standardOutput.write(Data(masked.utf8))
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
