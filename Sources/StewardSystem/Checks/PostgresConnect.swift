import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import StewardCore

/// One way to open a PostgreSQL connection from a DSN, for the `postgres` check and the backup's row counts: TLS as
/// libpq reads `sslmode`, a connect timeout, and a logger that stays quiet.
///
/// libpq's modes: `disable` never uses TLS; `allow` connects in the clear and retries with TLS only when the server
/// refuses that; `prefer` (the default) tries TLS first and connects in the clear only when that fails (a server
/// without TLS); `require` encrypts without verifying; `verify-ca` and `verify-full` verify. With `allow` and `prefer`
/// the outcome is the server's choice, so the connection says which it was (`note`): "prefer" must not silently
/// mean "no TLS".
extension PostgresDSN {
    /// The TCP host, or nil for a DSN that names only a Unix socket.
    var tcpHost: String? { host.flatMap { $0.hasPrefix("/") ? nil : $0 } }

    static let sslmodes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    /// The configuration of one attempt: with TLS (verified as `sslmode` says) or without.
    func connectionConfiguration(host: String, timeout: TimeAmount, tls useTLS: Bool) throws -> PostgresConnection.Configuration {
        let mode = sslmode ?? "prefer"
        let tls: PostgresConnection.Configuration.TLS
        if useTLS {
            var t = TLSConfiguration.makeClientConfiguration()
            switch mode {
            case "verify-full": break
            case "verify-ca": t.certificateVerification = .noHostnameVerification
            default: t.certificateVerification = .none  // allow, prefer, require: encryption without verification
            }
            tls = .require(try NIOSSLContext(configuration: t))
        } else {
            tls = .disable
        }
        var config = PostgresConnection.Configuration(host: host, port: port, username: user,
                                                      password: password?.revealedForAnalysis, database: database, tls: tls)
        config.options.connectTimeout = timeout
        return config
    }

    /// Connects as `sslmode` says. `note` tells, for `allow` and `prefer`, whether TLS was used and why.
    func connect(host: String, timeout: TimeAmount, logger: Logger,
                 open: (PostgresConnection.Configuration) async throws -> PostgresConnection = { try await PostgresConnection.connect(configuration: $0, id: 1, logger: PostgresDSN.quietLogger) }
    ) async throws -> (connection: PostgresConnection, tls: Bool, note: String?) {
        let mode = sslmode ?? "prefer"
        guard Self.sslmodes.contains(mode) else {
            throw PostgresModeError(description: "sslmode=\(mode) is not one of \(Self.sslmodes.joined(separator: ", "))")
        }
        let named = sslmode == nil ? "sslmode=prefer, the default" : "sslmode=\(mode)"
        switch mode {
        case "disable":
            return (try await open(try connectionConfiguration(host: host, timeout: timeout, tls: false)), false, nil)
        case "prefer":
            do {
                return (try await open(try connectionConfiguration(host: host, timeout: timeout, tls: true)), true, nil)
            } catch let error where Self.tlsAttemptFailed(error) {
                let why = Self.serverHasNoTLS(error) ? "the server has no TLS" : "TLS failed: \(PostgresProbe.describe(error))"
                let plain = try await open(try connectionConfiguration(host: host, timeout: timeout, tls: false))
                return (plain, false, "connected without TLS (\(named); \(why))")
            }
        case "allow":
            do {
                let plain = try await open(try connectionConfiguration(host: host, timeout: timeout, tls: false))
                return (plain, false, "connected without TLS (\(named))")
            } catch let error where Self.serverRefused(error) {
                let secure = try await open(try connectionConfiguration(host: host, timeout: timeout, tls: true))
                return (secure, true, "connected with TLS (\(named); the server refused a connection without it)")
            }
        default:
            return (try await open(try connectionConfiguration(host: host, timeout: timeout, tls: true)), true, nil)
        }
    }

    /// The server answered the SSLRequest with "N": it has no TLS.
    static func serverHasNoTLS(_ error: any Error) -> Bool {
        (error as? PSQLError)?.code == .sslUnsupported
    }

    /// The server was reached, it refused the connection (pg_hba.conf, authentication): worth another attempt with
    /// the other transport, as libpq makes one. A refused or timed-out TCP connection is not.
    static func serverRefused(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo != nil
    }

    /// The TLS attempt of `prefer` failed in a way a plain connection can avoid: no TLS on the server, a handshake
    /// that failed, or a refusal (`hostnossl` in pg_hba.conf).
    static func tlsAttemptFailed(_ error: any Error) -> Bool {
        if serverHasNoTLS(error) || serverRefused(error) || error is NIOSSLError { return true }
        guard let e = error as? PSQLError else { return false }
        return e.code == .failedToAddSSLHandler || e.underlying is NIOSSLError || e.underlying is BoringSSLError
    }

    static let quietLogger: Logger = {
        var l = Logger(label: "steward.postgres")
        l.logLevel = .critical
        return l
    }()
}

struct PostgresModeError: Error, CustomStringConvertible {
    var description: String
}
