import Foundation
import StewardCore

/// How the controller reaches the agent on a host: ``SSHAgentTransport`` over the system's OpenSSH; a fake in the
/// unit tests of ``FleetRun``.
public protocol AgentTransport: Sendable {
    /// Readies `host` for agent sessions (Steward's binary there, the same as the controller's): once per host per run.
    func prepare(_ host: FleetHost) async -> Result<HostPreparation, HostProblem>
    /// One `steward agent` session: `request` (an ``AgentProtocol/Envelope``) on its standard input; what it printed.
    func call(_ host: FleetHost, request: Data, timeout: Duration) async -> Result<String, HostProblem>
    /// A host readied and asked: what ``FleetRun`` does with each host. By default ``prepare(_:)`` then
    /// ``call(_:request:timeout:)``; ``SSHAgentTransport`` asks first and readies only a host whose agent is not
    /// this build. The preparation is nil when the host was not reached.
    func session(_ host: FleetHost, request: Data, timeout: Duration) async -> (preparation: HostPreparation?, answer: Result<String, HostProblem>)
}

extension AgentTransport {
    public func session(_ host: FleetHost, request: Data, timeout: Duration) async -> (preparation: HostPreparation?, answer: Result<String, HostProblem>) {
        switch await prepare(host) {
        case .failure(let problem): return (nil, .failure(problem))
        case .success(let preparation): return (preparation, await call(host, request: request, timeout: timeout))
        }
    }
}

/// What readying a host took.
public enum HostPreparation: String, Sendable, Codable, Equatable {
    /// The host had this binary already.
    case reused
    /// The binary was copied over (missing, or another build).
    case copied
}

/// Why a host gave no answer: it could not be reached, refused the connection or its key, or could not run the
/// agent. The host's state is then unknown, never a crash of the run.
public struct HostProblem: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
