import Foundation
import StewardCore
import StewardSystem

/// The agent on this host, started as a child of this process (``LocalAgentCommand``): nothing to ready, no
/// connection. `steward serve` audits through it, so an audit's memory leaves with the child.
public struct LocalAgentTransport: AgentTransport {
    public var runner: any CommandRunning

    public init(runner: any CommandRunning = CommandRunner()) {
        self.runner = runner
    }

    public func prepare(_ host: FleetHost) async -> Result<HostPreparation, HostProblem> {
        .success(.reused)
    }

    public func call(_ host: FleetHost, request: Data, timeout: Duration) async -> Result<String, HostProblem> {
        switch await runner.run(LocalAgentCommand.agent(request: Array(request)), timeout: timeout) {
        case .failure(let e): return .failure(HostProblem("the local agent: \(e)"))
        case .success(let r):
            // The agent always ends with its own last line; a child that died first left none. What it wrote on
            // stderr is not repeated: a crash report could hold anything the audit had read.
            if r.stdout.isEmpty {
                return .failure(HostProblem("the local agent exited \(r.exitCode) without an answer (\(r.stderr.utf8.count) bytes on stderr)"))
            }
            return .success(r.stdout)
        }
    }
}
