import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import StewardCore

/// One way to open a PostgreSQL connection from a DSN, for the `postgres` check and the backup's row counts: TLS as
/// libpq reads `sslmode` (disable, allow and prefer connect in the clear; require encrypts without verifying;
/// verify-ca and verify-full verify), a connect timeout, and a logger that stays quiet.
extension PostgresDSN {
    /// The TCP host, or nil for a DSN that names only a Unix socket.
    var tcpHost: String? { host.flatMap { $0.hasPrefix("/") ? nil : $0 } }

    func connectionConfiguration(host: String, timeout: TimeAmount) throws -> PostgresConnection.Configuration {
        let mode = sslmode ?? "prefer"
        let tls: PostgresConnection.Configuration.TLS
        if ["require", "verify-ca", "verify-full"].contains(mode) {
            var t = TLSConfiguration.makeClientConfiguration()
            if mode == "require" { t.certificateVerification = .none }
            if mode == "verify-ca" { t.certificateVerification = .noHostnameVerification }
            tls = .require(try NIOSSLContext(configuration: t))
        } else {
            tls = .disable
        }
        var config = PostgresConnection.Configuration(host: host, port: port, username: user,
                                                      password: password?.revealedForAnalysis, database: database, tls: tls)
        config.options.connectTimeout = timeout
        return config
    }

    static let quietLogger: Logger = {
        var l = Logger(label: "steward.postgres")
        l.logLevel = .critical
        return l
    }()
}
