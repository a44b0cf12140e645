import Foundation
import StewardCore

/// Operations by name, for front ends that receive a request as data (`steward agent`, the daemon's API): decode
/// the request, run it, encode the result. A table, not a switch: an operation registers one line here.
public enum OperationRegistry {
    /// Runs the operation `name` with `request` (its JSON); returns the encoded result, its exit code and, when the
    /// host context renders (``HostContext/renderText``), its text; secrets masked in both.
    public typealias Runner = @Sendable (_ request: Data, _ host: HostContext) async throws(OperationError) -> (result: Data, exitCode: Int32, text: String?)

    public static func entry<O: StewardOperation>(_ op: O.Type) -> (String, Runner) {
        (O.name, { data, host throws(OperationError) in
            let request: O.Request
            do { request = try JSONDecoder.steward.decode(O.Request.self, from: data) } catch {
                throw OperationError(.invalidRequest, "\(O.name): the request is not valid: \(DecodingErrorText.describe(error))")
            }
            if let key = RequestKeys.unknown(in: data, decoded: request).first {
                throw OperationError(.invalidRequest, "\(O.name): the request is not valid: unknown key \"\(key.prefix(60))\"")
            }
            let output = try await O.run(request, on: host)
            let text = host.renderText?(output)
            // A caller that asked for the text reads only the text: the result is not encoded (`null`), which in a
            // binary this size saves the agent ~3 ms (each Encodable type's first use).
            let encoded = text != nil ? Data("null".utf8) : (try? JSONEncoder.stewardLine.encode(output)) ?? Data("null".utf8)
            let secrets = output.knownSecrets
            if secrets.isEmpty { return (encoded, output.exitCode, text) }
            return (Data(Redactor.maskKnown(secrets, in: String(decoding: encoded, as: UTF8.self)).utf8), output.exitCode,
                    text.map { Redactor.maskKnown(secrets, in: $0) })
        })
    }

    /// Every operation a request can name. Operations add themselves here.
    public static let all: [String: Runner] = Dictionary(uniqueKeysWithValues: [
        entry(StatusOperation.self),
        entry(BackupOperation.self),
        entry(VerifyOperation.self),
        entry(PruneOperation.self),
        entry(ScheduleOperation.self),
        entry(CatalogOperation.self),
        entry(RestoreOperation.self),
        entry(DeployOperation.self),
        entry(RollbackOperation.self),
        entry(PromoteOperation.self),
        entry(PromoteSourceOperation.self),
        entry(ReleasesOperation.self),
        entry(AuditOperation.self),
        entry(CheckOperation.self),
        entry(CheckSuggestOperation.self),
    ])
}

extension JSONDecoder {
    /// Dates as ISO 8601, as every Steward JSON document writes them.
    public static var steward: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}

extension JSONEncoder {
    /// One line, sorted keys, ISO 8601 dates: JSON lines for events and the agent.
    public static var stewardLine: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }

    /// Indented, sorted keys, ISO 8601 dates: `--format json` documents.
    public static var stewardDocument: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }
}

/// A decoding error as one line that names the key path, never the value (a request may carry a reason text).
enum DecodingErrorText {
    static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "not JSON" }
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "the document" : p
        }
        switch e {
        case .keyNotFound(let key, let c): return "\(path(c)).\(key.stringValue): missing"
        case .typeMismatch(let t, let c): return "\(path(c)): expected \(t)"
        case .valueNotFound(let t, let c): return "\(path(c)): expected \(t), got null"
        case .dataCorrupted(let c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "not valid"
        }
    }
}
