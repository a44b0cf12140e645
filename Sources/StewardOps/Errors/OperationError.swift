import Foundation

/// Why an operation could not run or was refused, as a value: a stable code for programs, the message and a hint
/// for people, the subject it concerns (an app instance, a file, a backup id) and the exit code the CLI uses.
/// Front ends render it: the CLI as `steward: message` (and the hint) on stderr, `--format json` as an object,
/// the daemon as an HTTP problem document. Messages never hold a secret value (they pass through the same masking
/// as the rest of the output before they are built).
public struct OperationError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Codable, Sendable {
        /// The request itself is wrong (an unknown instance, a bad id).
        case invalidRequest = "invalid_request"
        /// The manifest or a checks file has errors (each located in `details`).
        case invalidConfig = "invalid_config"
        /// A config file was refused (not root's, writable by others).
        case untrustedConfig = "untrusted_config"
        /// Nothing matches (no such backup, no checks, nothing deployed).
        case notFound = "not_found"
        /// Another operation holds the instance.
        case busy
        /// The operation refused to start; nothing was changed (an interrupted deploy waits, a policy says no).
        case refused
        /// The state database cannot be opened or written.
        case stateUnavailable = "state_unavailable"
        /// A probe or tool Steward needs failed before anything changed.
        case unavailable
        /// The operation ran and failed.
        case failed
        /// The operation was cancelled.
        case cancelled
    }

    public var code: Code
    public var message: String
    public var hint: String?
    public var subject: String?
    /// Located errors (a manifest's), one per line.
    public var details: [String]
    /// The CLI's exit code for it (3: could not run, as Nagios' UNKNOWN).
    public var exitCode: Int32

    public init(_ code: Code, _ message: String, hint: String? = nil, subject: String? = nil, details: [String] = [], exitCode: Int32 = 3) {
        self.code = code
        self.message = message
        self.hint = hint
        self.subject = subject
        self.details = details
        self.exitCode = exitCode
    }

    public var description: String { message }

    enum CodingKeys: String, CodingKey {
        case code, message, hint, subject, details, exitCode = "exit_code"
    }

    /// Read back by the fleet from a host's agent: `details` and `exit_code` may be absent (an older agent's line).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try c.decode(Code.self, forKey: .code), try c.decode(String.self, forKey: .message),
                  hint: try c.decodeIfPresent(String.self, forKey: .hint), subject: try c.decodeIfPresent(String.self, forKey: .subject),
                  details: try c.decodeIfPresent([String].self, forKey: .details) ?? [],
                  exitCode: try c.decodeIfPresent(Int32.self, forKey: .exitCode) ?? 3)
    }
}
