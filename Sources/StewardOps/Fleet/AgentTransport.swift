import Foundation
import StewardCore

/// How the controller reaches the agent on a host: ``SSHAgentTransport`` over the system's OpenSSH; a fake in the
/// unit tests of ``FleetRun``.
public protocol AgentTransport: Sendable {
    /// Readies `host` for agent sessions (Steward's binary there, the same as the controller's): once per host per run.
    func prepare(_ host: FleetHost) async -> Result<HostPreparation, HostProblem>
    /// One `steward agent` session: `request` (an ``AgentProtocol/Envelope``) on its standard input; what it printed.
    func call(_ host: FleetHost, request: Data, timeout: Duration) async -> Result<String, HostProblem>
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
