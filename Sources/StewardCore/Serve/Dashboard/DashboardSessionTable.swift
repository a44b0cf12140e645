import Foundation

/// The dashboard's logins, in memory only (a restart logs everyone out, which is fine): a random session id (the
/// cookie's value, never the token) mapped to the token's name, scopes and SHA-256 (so the daemon can ask the token
/// file whether the token still exists, and end the session when it was revoked), a CSRF token for its forms, and
/// its expiry: 12 hours after login, or 2 hours without a request. At most 64 sessions: the oldest goes first.
public struct DashboardSessionTable: Sendable {
    public struct Session: Sendable, Equatable {
        public var id: String
        public var name: String
        public var scopes: Set<TokenScope>
        public var tokenDigest: [UInt8]
        public var csrf: String
        public var createdAt: Date
        public var lastSeen: Date

        public init(id: String, name: String, scopes: Set<TokenScope>, tokenDigest: [UInt8], csrf: String, createdAt: Date) {
            self.id = id
            self.name = name
            self.scopes = scopes
            self.tokenDigest = tokenDigest
            self.csrf = csrf
            self.createdAt = createdAt
            self.lastSeen = createdAt
        }
    }

    public static let lifetime: TimeInterval = 12 * 3600
    public static let idle: TimeInterval = 2 * 3600
    public let capacity: Int
    private var sessions: [String: Session] = [:]

    public init(capacity: Int = 64) { self.capacity = capacity }

    public var count: Int { sessions.count }

    public static func isLive(_ session: Session, now: Date) -> Bool {
        now < session.createdAt.addingTimeInterval(lifetime) && now < session.lastSeen.addingTimeInterval(idle) && now >= session.createdAt
    }

    /// Adds a session, dropping expired ones and, past the capacity, the least recently used.
    public mutating func add(_ session: Session, now: Date) {
        sessions = sessions.filter { Self.isLive($0.value, now: now) }
        while sessions.count >= capacity, let oldest = sessions.values.min(by: { $0.lastSeen < $1.lastSeen }) {
            sessions[oldest.id] = nil
        }
        sessions[session.id] = session
    }

    /// The live session with this id, marked as seen now; an expired one is removed.
    public mutating func touch(_ id: String, now: Date) -> Session? {
        guard var session = sessions[id] else { return nil }
        guard Self.isLive(session, now: now) else {
            sessions[id] = nil
            return nil
        }
        session.lastSeen = now
        sessions[id] = session
        return session
    }

    public mutating func update(_ session: Session) {
        if sessions[session.id] != nil { sessions[session.id] = session }
    }

    @discardableResult
    public mutating func remove(_ id: String) -> Session? { sessions.removeValue(forKey: id) }
}
