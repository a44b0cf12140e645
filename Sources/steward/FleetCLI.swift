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
        let (host, hosts, transport) = prepare(fleet: fleet, manifest: manifest, json: json, events: events)
        // Text is rendered by each host's agent where it can be (FleetText); `render` reads a result that came without.
        let onHost = format != .json && FleetText.rendersOnHost(O.name)
        let envelope = AgentProtocol.Envelope(operation: O.name, request: tree(request), state: state == StateStore.defaultPath ? nil : state,
                                              operationID: host.identity.operationID, operatorName: host.identity.operatorName,
                                              render: onHost ? (format == .markdown ? .markdown : .text) : nil)
        let outcomes = await FleetRun.run(envelope, on: hosts, parallel: fleet.parallelHosts, transport: transport) { outcome in
            host.say("\(outcome.host): \(O.name) answered in \(String(format: "%.2f", outcome.seconds)) s (exit \(outcome.exitCode))")
        }
        let report = FleetReport(operation: O.name, outcomes: outcomes)
        let text: String
        switch format {
        case .json:
            text = document(report.document)
        case .text, .markdown:
            text = report.text(markdown: format == .markdown) { data in
                (try? JSONDecoder.steward.decode(O.Output.self, from: data)).map(render)
            }
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        throw ExitCode(report.exitCode)
    }
}

extension FleetCLI {
    /// `steward deploy --hosts`: a rolling deploy (``FleetRollout``); every host's deploy carries this run's
    /// operation id. Exits 0 when every host deployed, 2 when the rollout stopped, 3 when it needs attention.
    static func rollout(_ request: DeployOperation.Request, rollback: RollbackOperation.Request, fleet: FleetOptions, manifest: String?,
                        state: String, batch: Int, pause: Duration, allOrNothing: Bool, json: Bool, events: EventStyle) async throws -> Never {
        let (host, hosts, transport) = prepare(fleet: fleet, manifest: manifest, json: json, events: events)
        let statePath = state == StateStore.defaultPath ? nil : state
        let id = host.identity.operationID, who = host.identity.operatorName
        let results = await FleetRollout.run(
            deploy: AgentProtocol.Envelope(operation: DeployOperation.name, request: tree(request), state: statePath, operationID: id, operatorName: who),
            rollback: AgentProtocol.Envelope(operation: RollbackOperation.name, request: tree(rollback), state: statePath, operationID: id + ":rollback", operatorName: who),
            on: hosts, batch: batch, pause: pause, allOrNothing: allOrNothing, transport: transport) { host.say($0) }
        let report = FleetRolloutReport(operationID: id, results: results)
        let text = json ? document(report.document)
            : report.text { data in (try? JSONDecoder.steward.decode(DeployOperation.Output.self, from: data)).map(DeployText.render) }
        FileHandle.standardOutput.write(Data(text.utf8))
        throw ExitCode(report.exitCode)
    }

    /// The context, the hosts `--hosts` names and the SSH transport; a bad inventory or selection ends the process.
    static func prepare(fleet: FleetOptions, manifest: String?, json: Bool, events: EventStyle) -> (HostContext, [FleetHost], SSHAgentTransport) {
        prepare(selection: fleet.hosts ?? HostSelection.all, inventory: fleet.inventory, sshConfig: fleet.sshConfig, manifest: manifest,
                json: json, events: events)
    }

    static func prepare(selection: String, inventory: String?, sshConfig: String?, manifest: String?, json: Bool,
                        events: EventStyle) -> (HostContext, [FleetHost], SSHAgentTransport) {
        let host = HostContext.forProcess(statePath: StateStore.defaultPath, events: events.sink(textProgress: !json))
        let hosts = selectHosts(selection, inventory: inventory, manifest: manifest, host: host, json: json)
        checkSSHConfig(sshConfig, json: json)
        let binary: SelfBinary
        do { binary = try SelfBinary.current() } catch {
            OperationCLI.fail(OperationError(.unavailable, "cannot read Steward's own executable to compare with the hosts' copies"), json: json)
        }
        return (host, hosts, SSHAgentTransport(binary: binary, configFile: sshConfig))
    }

    /// The hosts `selection` names in the inventory file, else in the manifest's `hosts:`; a bad inventory or
    /// selection ends the process with its error.
    static func selectHosts(_ selection: String, inventory: String?, manifest: String?, host: HostContext, json: Bool = false) -> [FleetHost] {
        do {
            return try HostSelection.resolve(selection, in: try ManifestSource.inventory(file: inventory, manifest: manifest, host: host))
        } catch let error as OperationError {
            OperationCLI.fail(error, json: json)
        } catch {
            OperationCLI.fail(OperationError(.invalidRequest, "\(error)"), json: json)
        }
    }

    /// An ssh_config given with `--ssh-config` is trusted like a manifest (root's, not writable by others): its
    /// `ProxyCommand`, `Match exec` and `KnownHostsCommand` run as root, and ssh itself checks only the user's own.
    static func checkSSHConfig(_ path: String?, json: Bool = false) {
        guard let path, case .failure(let failure) = TrustedConfigFile.read(path) else { return }
        OperationCLI.fail(OperationError(.untrustedConfig, "--ssh-config: \(failure.description)", subject: path), json: json)
    }

    static func tree<T: Encodable>(_ value: T) -> JSONTree {
        let encoded = (try? JSONEncoder.stewardLine.encode(value)) ?? Data("{}".utf8)
        return (try? JSONDecoder.steward.decode(JSONTree.self, from: encoded)) ?? .object([:])
    }

    static func document(_ tree: JSONTree) -> String {
        ((try? JSONEncoder.stewardDocument.encode(tree)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }
}

enum FleetFormat {
    case text, json, markdown
}
