import StewardCore

/// Who made a request: a token's name and scopes. The name goes to the audit log and to the operations the request
/// starts (`api:NAME` as their operator).
public struct ServeIdentity: Sendable, Equatable {
    public var name: String
    public var scopes: Set<TokenScope>

    public init(name: String, scopes: Set<TokenScope>) {
        self.name = name
        self.scopes = scopes
    }
}
