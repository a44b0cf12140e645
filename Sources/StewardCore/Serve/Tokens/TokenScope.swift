/// What an API token may do. `operate` (run checks, back up, deploy, roll back, acknowledge and silence alerts)
/// includes `read`, so a deploy bot needs one token, not two.
public enum TokenScope: String, Sendable, Codable, CaseIterable, Comparable {
    case read
    case operate

    /// Whether a token holding `scopes` may use a route that needs `self`.
    public func isGranted(by scopes: Set<TokenScope>) -> Bool {
        scopes.contains(self) || (self == .read && scopes.contains(.operate))
    }

    public static func < (a: TokenScope, b: TokenScope) -> Bool { a.rank < b.rank }

    private var rank: Int { self == .read ? 0 : 1 }

    /// `read`, `operate` or `read,operate` (any order, no repeats), as `--scope` and the token file write them.
    public static func parseList(_ text: String) -> Result<Set<TokenScope>, TokenFileError.Reason> {
        var scopes = Set<TokenScope>()
        for word in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let scope = TokenScope(rawValue: String(word)) else {
                return .failure(.badScope(String(word.prefix(40))))
            }
            guard scopes.insert(scope).inserted else { return .failure(.badScope(String(word))) }
        }
        return scopes.isEmpty ? .failure(.badScope("")) : .success(scopes)
    }

    public static func format(_ scopes: Set<TokenScope>) -> String { scopes.sorted().map(\.rawValue).joined(separator: ",") }
}
