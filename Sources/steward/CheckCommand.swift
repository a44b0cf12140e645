import ArgumentParser
import Foundation
import StewardCore
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
        guard (1...256).contains(parallel) else { throw ValidationError("--parallel: expected 1 to 256, got \(parallel)") }
        guard let ms = CheckDuration.parseMilliseconds(deadline), ms > 0 else {
            throw ValidationError("--deadline: expected a duration like 500ms, 30s or 2m, got \"\(deadline.prefix(20))\"")
        }
        if let target, target.isEmpty || target.hasPrefix("@") { throw ValidationError("APP[@INSTANCE]: got \"\(target.prefix(40))\"") }
    }

    func run() async throws {
        let files = HostFiles(root: root)
        let context = ProbeContext(files: files)
        var specs: [CheckSpec]
        if let file {
            let text = ManifestLoading.checksFileText(file)
            switch CheckFileParser.parse(text, file: file) {
            case .success(let s): specs = s
            case .failure(let errors):
                for e in errors.errors { FileHandle.standardError.write(Data("\(e)\n".utf8)) }
                Self.fail("\(file): \(errors.errors.count) error(s); no check was run")
            }
        } else {
            let manifest = ManifestLoading.load(explicit: self.manifest)
            let (facts, _) = await Audit(context: context, manifest: manifest).gather()
            let inventory = Inventory.build(facts: facts, manifest: manifest)
            if suggest {
                // The health URL is found by asking: the first candidate path that answers 200 now.
                let probes = CheckSuggestions.healthProbes(inventory: inventory, facts: facts)
                let answers = await CheckRunner(context: context, maxParallel: parallel).run(probes).results
                var healthPaths: [String: String] = [:]
                for result in answers where result.status == .pass {
                    let parts = result.id.split(separator: "|", maxSplits: 1).map(String.init)
                    if parts.count == 2, healthPaths[parts[0]] == nil { healthPaths[parts[0]] = parts[1] }
                }
                print(CheckSuggestions.yaml(inventory: inventory, facts: facts, healthPaths: healthPaths), terminator: "")
                return
            }
            specs = manifest.checks + Presets.checks(inventory: inventory, facts: facts, manifest: manifest)
        }
        if let target {
            let parts = target.split(separator: "@", maxSplits: 1).map(String.init)
            specs = specs.filter { $0.app == parts[0] && (parts.count == 1 || $0.instance == parts[1]) }
            if specs.isEmpty { Self.fail("no checks for \(target)") }
        }
        if specs.isEmpty { Self.fail("no checks: declare some in the manifest (checks: or apps with a kind) or pass -f FILE") }
        let runner = CheckRunner(context: context, maxParallel: parallel, deadline: .milliseconds(CheckDuration.parseMilliseconds(deadline) ?? 30_000))
        let report = await runner.run(specs)
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
