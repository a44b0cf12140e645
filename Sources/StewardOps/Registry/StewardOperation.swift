import Foundation

/// One thing Steward does (audit, check, backup, verify, restore, prune, schedule, deploy, rollback, promote,
/// status, releases): an async function of a request value and a host context that returns a Codable result and
/// reports progress through the context's events. The CLI, the daemon and `steward agent` all call these; none
/// of them decides policy, prints or exits.
public protocol StewardOperation: Sendable {
    associatedtype Request: Codable & Sendable
    associatedtype Output: OperationOutput

    /// The name in an agent request and in `--events` lines: `deploy`, `backup.verify`.
    static var name: String { get }

    static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output
}

/// An operation's result: Codable (the `--format json` document and the agent's last line) and the exit code
/// the CLI returns for it (0 fine, 1 warning, 2 critical or failed, 3 could not run).
public protocol OperationOutput: Codable, Sendable {
    var exitCode: Int32 { get }
    /// Secret values the output may contain (an audit's env values read for analysis), masked in every encoding
    /// that leaves the process (the agent's result line, the daemon's API) as the CLI masks its rendering.
    var knownSecrets: [String] { get }
}

extension OperationOutput {
    public var knownSecrets: [String] { [] }
}
