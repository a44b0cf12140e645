import Foundation
import StewardCore

/// `steward agent`: the seam the fleet drives over SSH. It reads one request as JSON (an ``Envelope``), runs the
/// operation it names through ``OperationRegistry`` and writes JSON lines: each event as it happens, then one last
/// line with the result or the error. The exit code is the operation's. Here without the I/O, so a test runs a whole
/// session in memory; `Sources/steward/AgentCommand.swift` reads stdin and writes stdout. docs/json.md documents it.
public enum AgentProtocol {
    /// The most a request may be: it names an operation and its options, never data.
    public static let maxRequestBytes = 1 << 20

    /// The exit code of an agent started with `--expect-sha256` by a controller whose build it is not: it ran
    /// nothing and wrote nothing on stdout (its reason on stderr); the controller copies its own build over and asks
    /// again. Outside the operations' 0-3 and the shell's 126/127.
    public static let otherBuildExitCode: Int32 = 10

    /// What the agent reads: `{"operation": "status", "request": {...}, "state": "/var/lib/steward/state.db",
    /// "operation_id": "…"}`. Keys other than these are refused (a misspelt one must not be silently ignored).
    public struct Envelope: Codable, Sendable {
        /// A name in ``OperationRegistry/all``.
        public var operation: String
        /// The operation's request, as its `Request` type encodes; `{}` when absent.
        public var request: JSONTree
        /// The state database; Steward's default when absent.
        public var state: String?
        /// The caller's id for the operation (the fleet reuses the controller's); a new one when absent.
        public var operationID: String?
        /// On whose behalf it runs (the fleet's operator at the controller), recorded in deploy records and leases;
        /// the agent's own user when absent.
        public var operatorName: String?
        /// `text` or `markdown`: the agent also writes the result as the single-host command prints it (a `text`
        /// line before the result), so the controller prints that rather than decoding the result; absent, no text.
        public var render: Render?

        public enum Render: String, Codable, Sendable {
            case text, markdown
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case operation, request, state, operationID = "operation_id", operatorName = "operator", render
        }

        public init(operation: String, request: JSONTree = .object([:]), state: String? = nil, operationID: String? = nil, operatorName: String? = nil,
                    render: Render? = nil) {
            self.operation = operation
            self.request = request
            self.state = state
            self.operationID = operationID
            self.operatorName = operatorName
            self.render = render
        }

        public init(from decoder: any Decoder) throws {
            let keys = try decoder.container(keyedBy: JSONTree.Key.self).allKeys.map(\.stringValue)
            let known = CodingKeys.allCases.map(\.rawValue)
            if let unknown = keys.first(where: { !known.contains($0) }) {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown key \"\(unknown.prefix(60))\"; known: \(known.joined(separator: ", "))"))
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            operation = try c.decode(String.self, forKey: .operation)
            request = try c.decodeIfPresent(JSONTree.self, forKey: .request) ?? .object([:])
            state = try c.decodeIfPresent(String.self, forKey: .state)
            operationID = try c.decodeIfPresent(String.self, forKey: .operationID)
            operatorName = try c.decodeIfPresent(String.self, forKey: .operatorName)
            render = try c.decodeIfPresent(Render.self, forKey: .render)
        }
    }

    /// The envelope in `input`, checked: bounded, JSON, an object with an operation name, an absolute state path and
    /// an operation id of at most 128 letters, digits and `.-_:`.
    public static func parse(_ input: Data) throws(OperationError) -> Envelope {
        guard input.count <= maxRequestBytes else {
            throw OperationError(.invalidRequest, "the request is larger than \(maxRequestBytes >> 20) MiB")
        }
        let envelope: Envelope
        do { envelope = try JSONDecoder.steward.decode(Envelope.self, from: input) } catch {
            throw OperationError(.invalidRequest, "the request is not valid: \(DecodingErrorText.describe(error))")
        }
        if let state = envelope.state, !state.hasPrefix("/") || state == "/" {
            throw OperationError(.invalidRequest, "state: expected an absolute path, got \"\(state.prefix(60))\"")
        }
        if let id = envelope.operationID,
           id.isEmpty || id.count > 128 || !id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-_:".unicodeScalars.contains($0)) }) {
            throw OperationError(.invalidRequest, "operation_id: expected 1 to 128 letters, digits or .-_:")
        }
        if let who = envelope.operatorName,
           who.isEmpty || who.count > 64 || !who.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-_:@".unicodeScalars.contains($0)) }) {
            throw OperationError(.invalidRequest, "operator: expected 1 to 64 letters, digits or .-_:@")
        }
        return envelope
    }

    /// Runs one request: every event as a line, then the result (or the error) as the last line. Returns the exit
    /// code: the operation's, or the error's (3 for a request that cannot run).
    /// - Parameters:
    ///   - host: builds the operation's context from the envelope, with `events` as its sink.
    ///   - write: one line, newline included; called in order.
    public static func serve(_ input: Data, operations: [String: OperationRegistry.Runner] = OperationRegistry.all,
                             host: (_ envelope: Envelope, _ events: EventSink) -> HostContext,
                             write: @escaping @Sendable (Data) -> Void) async -> Int32 {
        do throws(OperationError) {
            let envelope = try parse(input)
            guard let runner = operations[envelope.operation] else {
                throw OperationError(.invalidRequest, "unknown operation \"\(envelope.operation.prefix(60))\"; known: \(operations.keys.sorted().joined(separator: ", "))")
            }
            let context = host(envelope, EventSink { write(eventLine($0)) })
            let request = (try? JSONEncoder.stewardLine.encode(envelope.request)) ?? Data("{}".utf8)
            let (result, exitCode, text) = try await runner(request, context)
            if let text, let encoded = try? JSONEncoder.stewardLine.encode(text) {
                write(line("text", ["\"text\":" + String(decoding: encoded, as: UTF8.self)]))
            }
            write(resultLine(exitCode: exitCode, result: result))
            return exitCode
        } catch {
            return refuse(error, write: write)
        }
    }

    /// Writes `error` as the session's one last line and returns its exit code: for a request that never came
    /// whole (the front end's read deadline passed), as for one that cannot run.
    public static func refuse(_ error: OperationError, write: @Sendable (Data) -> Void) -> Int32 {
        let encoded = (try? JSONEncoder.stewardLine.encode(error)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        write(line("error", ["\"error\":" + encoded]))
        return error.exitCode
    }

    /// `{"type":"event",` and the event's own fields.
    static func eventLine(_ event: OperationEvent) -> Data {
        let encoded = (try? JSONEncoder.stewardLine.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return line("event", encoded == "{}" ? [] : [String(encoded.dropFirst().dropLast())])
    }

    /// The last line of a session that ran: `{"type":"result","exit_code":N,"result":` and the result's JSON, `}`.
    /// Always laid out so, which lets the controller take the result's bytes back without decoding the line
    /// (``resultParts(_:)``).
    static func resultLine(exitCode: Int32, result: Data) -> Data {
        var out = Data(resultPrefix.utf8)
        out.append(contentsOf: "\(exitCode)".utf8)
        out.append(contentsOf: resultMiddle.utf8)
        out.append(result)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    static let resultPrefix = #"{"type":"result","exit_code":"#
    static let resultMiddle = #","result":"#

    /// The exit code and the result's bytes of a line ``resultLine(exitCode:result:)`` wrote (without its newline), or
    /// nil for any other line. What the bytes hold is judged where they are decoded.
    public static func resultParts(_ line: Substring.UTF8View) -> (exitCode: Int32, result: Data)? {
        guard line.starts(with: resultPrefix.utf8), line.last == UInt8(ascii: "}") else { return nil }
        var rest = line.dropFirst(resultPrefix.utf8.count)
        let digits = rest.prefix { $0 == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard let code = Int32(String(decoding: digits, as: UTF8.self)) else { return nil }
        rest = rest.dropFirst(digits.count)
        guard rest.starts(with: resultMiddle.utf8) else { return nil }
        let result = rest.dropFirst(resultMiddle.utf8.count).dropLast()
        guard !result.isEmpty else { return nil }
        return (code, Data(result))
    }

    /// One JSON line whose first key is `type`.
    static func line(_ type: String, _ members: [String]) -> Data {
        Data(("{" + (["\"type\":\"\(type)\""] + members).joined(separator: ",") + "}\n").utf8)
    }
}

/// Any JSON value, kept as it came: the agent's `request` before the operation's own type decodes it.
public indirect enum JSONTree: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONTree])
    case object([String: JSONTree])

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        if var items = try? decoder.unkeyedContainer() {
            var array: [JSONTree] = []
            while !items.isAtEnd { array.append(try items.decode(JSONTree.self)) }
            self = .array(array)
        } else if let object = try? decoder.container(keyedBy: Key.self) {
            var members: [String: JSONTree] = [:]
            for key in object.allKeys { members[key.stringValue] = try object.decode(JSONTree.self, forKey: key) }
            self = .object(members)
        } else {
            let value = try decoder.singleValueContainer()
            if value.decodeNil() { self = .null }
            else if let b = try? value.decode(Bool.self) { self = .bool(b) }
            else if let i = try? value.decode(Int64.self) { self = .integer(i) }
            else if let d = try? value.decode(Double.self) { self = .number(d) }
            else { self = .string(try value.decode(String.self)) }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null: var c = encoder.singleValueContainer(); try c.encodeNil()
        case .bool(let b): var c = encoder.singleValueContainer(); try c.encode(b)
        case .integer(let i): var c = encoder.singleValueContainer(); try c.encode(i)
        case .number(let d): var c = encoder.singleValueContainer(); try c.encode(d)
        case .string(let s): var c = encoder.singleValueContainer(); try c.encode(s)
        case .array(let a):
            var c = encoder.unkeyedContainer()
            for item in a { try c.encode(item) }
        case .object(let o):
            var c = encoder.container(keyedBy: Key.self)
            for (key, value) in o { try c.encode(value, forKey: Key(stringValue: key)) }
        }
    }
}
