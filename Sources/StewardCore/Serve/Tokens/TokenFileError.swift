/// Why a token file (or a line of it) cannot be used; located by line so the operator can fix it.
public struct TokenFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Error, Sendable, Equatable {
        case fields(Int)
        case badName(String)
        case badScope(String)
        case badDigest
        case badTime(String)
        case duplicate(String)
        case tooMany(Int)
    }

    /// 1-based; 0 for the file as a whole.
    public var line: Int
    public var reason: Reason

    public init(line: Int, _ reason: Reason) {
        self.line = line
        self.reason = reason
    }

    public var description: String {
        let text: String = switch reason {
        case .fields(let n): "expected NAME SCOPES sha256:HEX CREATED, got \(n) fields"
        case .badName(let name): "name \"\(name)\": expected 1 to 64 of a-z, 0-9, '.', '_', '-' (not starting with '.' or '-')"
        case .badScope(let scope): "scope \"\(scope)\": expected read, operate or read,operate"
        case .badDigest: "expected sha256: and 64 lowercase hex digits"
        case .badTime(let time): "created \"\(time)\": expected an ISO 8601 time like 2026-12-01T22:00:00Z"
        case .duplicate(let name): "the name \(name) is already used by an earlier line"
        case .tooMany(let n): "more than \(n) tokens"
        }
        return line > 0 ? "line \(line): \(text)" : text
    }
}
