import Foundation
import Logging
import NIOCore
import PostgresNIO
import StewardCore

/// Connects with a DSN taken from an env file and runs one query (default `SELECT 1`).
enum PostgresProbe {
    static func check(_ e: PostgresExpectation, dsn: String, timeoutMs: Int) async throws -> Verdict {
        guard let parsed = PostgresDSN(dsn), let host = parsed.tcpHost else {
            throw ProbeFailure("\(e.dsn) is not a postgresql:// URL")
        }
        let logger = PostgresDSN.quietLogger
        let expected = "\(e.query) → \(e.expect ?? "ok")"
        let connection: PostgresConnection
        let note: String?
        do {
            (connection, _, note) = try await parsed.connect(host: host, timeout: .milliseconds(Int64(timeoutMs)), logger: logger)
        } catch let error as PostgresModeError {
            throw ProbeFailure(error.description)
        } catch {
            return .noConnection(expected: expected, found: "no connection", "cannot connect to PostgreSQL at \(host):\(parsed.port): \(describe(error))")
        }
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: e.query), logger: logger)
            var value: String? = nil
            for try await row in rows {
                if let cell = row.makeRandomAccess().first { value = text(cell) }
                break
            }
            try? await connection.close()
            // Whether TLS was used, when sslmode (allow, prefer) left it to the server: shown with what was found.
            var verdict = NetworkEvaluators.postgres(e, value: value)
            if let note { verdict.found += "; \(note)" }
            return verdict
        } catch {
            try? await connection.close()
            return .fail(expected: expected, found: "query failed", "query failed: \(describe(error))")
        }
    }

    /// A cell as text, decoded by its column type (results come in binary: an int4 is four bytes, not "1").
    static func text(_ cell: PostgresCell) -> String? {
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return (try? cell.decode(Int.self)).map(String.init)
        case .float4, .float8:
            guard let d = try? cell.decode(Double.self) else { return nil }
            let whole: Bool = d.rounded() == d && abs(d) < 1e15
            return whole ? String(Int(d)) : String(d)
        case .bool: return (try? cell.decode(Bool.self)).map { $0 ? "true" : "false" }
        default: return try? cell.decode(String.self)
        }
    }

    /// PSQLError hides its details from `description` on purpose; its reflection names the server's message and
    /// code. The runner scrubs the DSN's password from whatever this returns.
    static func describe(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] { return "\(message) (\(e.serverInfo?[.sqlState] ?? "?"))" }
            let text = String(reflecting: e)
            if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
            if text.contains("connectTimeout") || text.contains("timeout") { return "timed out" }
            return "\(e.code)"
        }
        let text = String(describing: error)
        if text.contains("refused") { return "connection refused" }
        return Redactor.excerpt(text, limit: 160)
    }
}
