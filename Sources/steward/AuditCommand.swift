import ArgumentParser
import Foundation
import StewardCore
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
        if let since, TimeWindow.parseHours(since) == nil {
            throw ValidationError("--since: expected a duration like 30m, 6h, 24h or 7d, got \"\(since.prefix(20))\"")
        }
    }

    func run() async throws {
        let manifest = ManifestLoading.load(explicit: self.manifest)
        let hours = since.flatMap(TimeWindow.parseHours) ?? manifest.journalWindowHours
        let audit = Audit(context: ProbeContext(files: HostFiles(root: root), windowHours: hours), manifest: manifest, statePath: state)
        let report = await audit.run()
        let text: String
        switch format {
        case .json: text = JSONRenderer.render(report)
        case .markdown: text = MarkdownRenderer.render(report)
        case .text:
            let env = ProcessInfo.processInfo.environment
            let color = !noColor && output == nil && (env["NO_COLOR"] ?? "").isEmpty && isatty(STDOUT_FILENO) == 1
            text = TextRenderer(color: color).render(report)
        }
        let masked = Redactor.maskKnown(Redactor.knownSecrets(in: report.facts), in: text)
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

/// Finds and parses the manifest; an invalid one stops the run with located errors (exit 3).
enum ManifestLoading {
    /// The file `load` reads: the explicit one, else the first candidate that exists; absolute, for units that run
    /// from another directory.
    static func path(explicit: String?) -> String? {
        let candidates = explicit.map { [$0] } ?? ["steward.yml", "/etc/steward/steward.yml"]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    static func load(explicit: String?) -> Manifest {
        let candidates = explicit.map { [$0] } ?? ["steward.yml", "/etc/steward/steward.yml"]
        for path in candidates {
            guard FileManager.default.fileExists(atPath: path) else {
                if explicit != nil { AuditCommand.fail("\(path): no such manifest") }
                continue
            }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                AuditCommand.fail("\(path): cannot read the manifest")
            }
            switch ManifestParser.parse(text, file: path) {
            case .success(let m): return m
            case .failure(let errors):
                for e in errors.errors { FileHandle.standardError.write(Data("\(e)\n".utf8)) }
                AuditCommand.fail("\(path): \(errors.errors.count) error(s); nothing was audited")
            }
        }
        return .empty
    }
}
