import Foundation

/// The parts of a `postgresql://user:password@host:port/db?sslmode=…` URL. The password is a ``Secret``: it goes
/// into a password file for the client tools and never into argv, an error or a log.
public struct PostgresDSN: Sendable, Equatable {
    public var host: String?
    public var port: Int
    public var user: String
    public var password: Secret?
    public var database: String
    public var sslmode: String?

    public init?(_ url: String) {
        guard let c = URLComponents(string: url), ["postgres", "postgresql"].contains(c.scheme ?? "") else { return nil }
        let socketHost = c.queryItems?.first { $0.name == "host" }?.value
        host = (c.host?.isEmpty == false ? c.host : nil) ?? socketHost
        port = c.port ?? 5432
        user = c.user?.removingPercentEncoding ?? "postgres"
        password = c.password.map { Secret($0.removingPercentEncoding ?? $0) }
        let db = String(c.path.drop { $0 == "/" }).removingPercentEncoding ?? ""
        database = db.isEmpty ? user : db
        sslmode = c.queryItems?.first { $0.name == "sslmode" }?.value
    }

    /// Whether the server is on this host (TCP loopback or a socket), where an administrator can reach it as the
    /// `postgres` OS user.
    public var isLocal: Bool {
        guard let host else { return true }
        return host.hasPrefix("/") || ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
    }

    /// The client tools' environment for this DSN, with the password in `passfile`.
    public func connection(passfile: String?) -> PostgresConnectionEnv {
        PostgresConnectionEnv(host: host, port: port, user: user, database: database, sslmode: sslmode, passfile: passfile)
    }

    /// A `.pgpass` line for this server and user, for any database (scratch databases included): `:` and `\` escaped.
    public func pgpassLine() -> String? {
        guard let password else { return nil }
        func esc(_ s: String) -> String { s.replacing("\\", with: "\\\\").replacing(":", with: "\\:") }
        return "\(esc(host ?? "localhost")):\(port):*:\(esc(user)):\(esc(password.revealedForAnalysis))\n"
    }

    /// An SQL identifier in double quotes (`"my""db"`), for statements that cannot take parameters.
    public static func quoteIdentifier(_ name: String) -> String { "\"" + name.replacing("\"", with: "\"\"") + "\"" }
    /// An SQL string literal (`'it''s'`).
    public static func quoteLiteral(_ text: String) -> String { "'" + text.replacing("'", with: "''") + "'" }
}
