import Foundation
import StewardCore
import StewardSystem
import Synchronization

/// The dashboard's logins (``DashboardSessionTable`` behind a mutex) checked against the token file: a login
/// verifies the token once and keeps its SHA-256; every later request verifies that digest again (the file is
/// re-read at most once a second), so a revoked token's sessions end at its next request and a token whose scopes
/// changed carries its new scopes.
final class DashboardSessions: Sendable {
    let tokens: TokenStore
    let now: @Sendable () -> Date
    private let table = Mutex(DashboardSessionTable())

    init(tokens: TokenStore, now: @escaping @Sendable () -> Date) {
        self.tokens = tokens
        self.now = now
    }

    enum Login: Equatable {
        case created(DashboardSessionTable.Session)
        case denied
        /// The token file cannot be used now (the log says why; the person at the form is told only that much).
        case unavailable
    }

    func login(token: String) -> Login {
        switch tokens.verify(token) {
        case .granted(let name, let scopes):
            let at = now()
            let session = DashboardSessionTable.Session(id: Self.random(), name: name, scopes: scopes, tokenDigest: TokenSecret.digest(token),
                                                        csrf: Self.random(), createdAt: at)
            table.withLock { $0.add(session, now: at) }
            return .created(session)
        case .denied: return .denied
        case .unavailable: return .unavailable
        }
    }

    /// The live session of a cookie value whose token still verifies, else nil (and the session is gone).
    func session(_ id: String?) -> DashboardSessionTable.Session? {
        guard let id, id.utf8.count == 43 else { return nil }
        let at = now()
        guard var session = table.withLock({ $0.touch(id, now: at) }) else { return nil }
        guard case .granted(let name, let scopes) = tokens.verify(digest: session.tokenDigest), name == session.name else {
            table.withLock { _ = $0.remove(id) }
            return nil
        }
        if scopes != session.scopes {
            session.scopes = scopes
            table.withLock { $0.update(session) }
        }
        return session
    }

    func logout(_ id: String) { table.withLock { _ = $0.remove(id) } }

    var count: Int { table.withLock { $0.count } }

    /// 32 bytes from the system's CSPRNG (getrandom), base64url without padding: 43 characters.
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
