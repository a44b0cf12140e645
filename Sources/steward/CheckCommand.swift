import ArgumentParser
import Foundation
import StewardCore
import StewardOps
import StewardSystem

enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, junit, nagios, prometheus
}

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run health checks: declared expectations and app presets, concurrently.",
        discussion: """
            Checks come from a checks file (-f), else from the manifest: its `checks:` list plus the presets of every \
            app declared with a `kind` (unit active, port listening, health URL, PostgreSQL and Redis named in the \
            env file). Secrets are referenced as /path/to/file.env#KEY, never written inline, and never printed.

            Exit codes: 0 all pass, 1 a warning failed, 2 a critical check failed, 3 a check could not be judged.
            """)

    @Argument(help: "Only the checks of this app or app@instance.")
    var target: String?

    @Option(name: .customShort("f"), help: "A standalone checks file instead of the manifest.")
    var file: String?

    @Option(name: .shortAndLong, help: "Manifest to use (default: ./steward.yml, then /etc/steward/steward.yml).")
    var manifest: String?

    @Option(help: "Output format: text, json, junit, nagios or prometheus.")
    var format: CheckFormat = .text

    @Option(help: "How many checks run at once.")
    var parallel: Int = 8

    @Option(help: "Deadline for the whole run, e.g. 30s or 2m.")
    var deadline: String = "30s"

    @Flag(help: "Print checks generated from the current state of the host, to paste into the manifest.")
    var suggest = false

    @Flag(help: "Never colour the text output.")
    var noColor = false

    @Option(help: ArgumentHelp("Read files under this directory instead of / (for fixture trees).", visibility: .hidden))
    var root: String = "/"

    func validate() throws {
        if fleet.hosts != nil && (suggest || root != "/" || ![.text, .json].contains(format)) {
            throw ValidationError("--hosts: goes with --format text or json, not with --suggest or --root")
        }
        guard (1...256).contains(parallel) else { throw ValidationError("--parallel: expected 1 to 256, got \(parallel)") }
        guard let ms = CheckDuration.parseMilliseconds(deadline), ms > 0 else {
            throw ValidationError("--deadline: expected a duration like 500ms, 30s or 2m, got \"\(deadline.prefix(20))\"")
        }
        if let target, target.isEmpty || target.hasPrefix("@") { throw ValidationError("APP[@INSTANCE]: got \"\(target.prefix(40))\"") }
    }

    @Option(help: "Progress events: text, or jsonl (JSON lines on stderr).")
    var events: EventStyle = .text

    @OptionGroup(title: "Fleet")
    var fleet: FleetOptions

    func run() async throws {
        if suggest {
            let output = try await OperationCLI.run(CheckSuggestOperation.self, .init(manifest: manifest, parallel: parallel), root: root,
                                                    json: format == .json, events: events)
            if format == .json { OperationCLI.printJSON(output) } else { print(output.yaml, terminator: "") }
            return
        }
        let request = CheckOperation.Request(file: file, manifest: manifest, target: target, parallel: parallel,
                                             deadlineMs: CheckDuration.parseMilliseconds(deadline) ?? 30_000)
        if fleet.hosts != nil {
            // The checks file and manifest paths are the hosts' own; the fleet's inventory comes from here.
            let remote = CheckOperation.Request(file: file, manifest: nil, target: target, parallel: parallel, deadlineMs: request.deadlineMs)
            try await FleetCLI.run(CheckOperation.self, remote, fleet: fleet, manifest: manifest, format: format == .json ? .json : .text,
                                   events: events) { CheckTextRenderer(color: false).render($0) }
        }
        let report = try await OperationCLI.run(CheckOperation.self, request, root: root, json: format == .json, events: events)
        let text: String
        switch format {
        case .text:
            let color = !noColor && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty && isatty(STDOUT_FILENO) == 1
            text = CheckTextRenderer(color: color).render(report)
        case .json: text = JSONRenderer.render(report)
        case .junit: text = CheckJUnitRenderer.render(report)
        case .nagios: text = CheckNagiosRenderer.render(report)
        case .prometheus: text = CheckPrometheusRenderer.render(report)
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
