import ArgumentParser
import Foundation
import StewardCore
import StewardOps
import StewardSystem

/// `--hosts` and its companions, on every command that can run on a fleet.
struct FleetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Run on these hosts over SSH instead of here: all, or host and group names separated by commas.",
                               valueName: "all|NAME,…"))
    var hosts: String?

    @Option(help: "The fleet's inventory file (default: hosts: of the manifest).")
    var inventory: String?

    @Option(name: .customLong("parallel-hosts"), help: "How many hosts are worked on at once.")
    var parallelHosts: Int = FleetRun.defaultParallel

    @Option(name: .customLong("ssh-config"), help: "An ssh_config file for the connections (ssh -F; default: root's ~/.ssh/config).")
    var sshConfig: String?

    func validate() throws {
        guard (1...256).contains(parallelHosts) else { throw ValidationError("--parallel-hosts: expected 1 to 256, got \(parallelHosts)") }
        if hosts == nil && (inventory != nil || sshConfig != nil) {
            throw ValidationError("--inventory and --ssh-config go with --hosts")
        }
    }
}

/// Runs an operation on the hosts `--hosts` names, through one `steward agent` session per host over SSH, and
/// prints their answers: per host its section (rendered as the single-host command renders it) and a summary, or
/// one JSON document keyed by host. Exits with the worst host's code. Paths in the request (`--manifest`,
/// `--state`, `-f`) are the hosts' own.
enum FleetCLI {
    /// - Parameter state: the hosts' state database (`--state`), when not Steward's default there.
    static func run<O: StewardOperation>(_ op: O.Type, _ request: O.Request, fleet: FleetOptions, manifest: String?, state: String? = nil,
                                         format: FleetFormat, events: EventStyle = .text, render: @escaping (O.Output) -> String) async throws -> Never {
        let json = format == .json
        let host = HostContext.forProcess(statePath: StateStore.defaultPath, events: events.sink(textProgress: !json))
        let hosts: [FleetHost]
        do {
            let inventory = try ManifestSource.inventory(file: fleet.inventory, manifest: manifest, host: host)
            hosts = try HostSelection.resolve(fleet.hosts ?? HostSelection.all, in: inventory)
        } catch let error as OperationError {
            OperationCLI.fail(error, json: json)
        } catch {
            OperationCLI.fail(OperationError(.invalidRequest, "\(error)"), json: json)
        }
        let binary: SelfBinary
        do { binary = try SelfBinary.current() } catch {
            OperationCLI.fail(OperationError(.unavailable, "cannot read Steward's own executable to compare with the hosts' copies"), json: json)
        }
        let encoded = (try? JSONEncoder.stewardLine.encode(request)) ?? Data("{}".utf8)
        let tree = (try? JSONDecoder.steward.decode(JSONTree.self, from: encoded)) ?? .object([:])
        let envelope = AgentProtocol.Envelope(operation: O.name, request: tree, state: state == StateStore.defaultPath ? nil : state, operationID: host.identity.operationID,
                                              operatorName: host.identity.operatorName)
        let transport = SSHAgentTransport(binary: binary, configFile: fleet.sshConfig)
        let outcomes = await FleetRun.run(envelope, on: hosts, parallel: fleet.parallelHosts, transport: transport) { outcome in
            host.say("\(outcome.host): \(O.name) answered in \(String(format: "%.2f", outcome.seconds)) s (exit \(outcome.exitCode))")
        }
        let report = FleetReport(operation: O.name, outcomes: outcomes)
        let text: String
        switch format {
        case .json:
            text = ((try? JSONEncoder.stewardDocument.encode(report.document)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
        case .text, .markdown:
            text = report.text(markdown: format == .markdown) { data in
                (try? JSONDecoder.steward.decode(O.Output.self, from: data)).map(render)
            }
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        throw ExitCode(report.exitCode)
    }
}

enum FleetFormat {
    case text, json, markdown
}
