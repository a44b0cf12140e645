import Foundation
import StewardCore

/// What a `steward agent` session on a host printed, read back by the controller: the events as they came, and the
/// last line, the result or the agent's refusal (``AgentProtocol``'s lines). Pure, so a test feeds it transcripts.
public struct AgentSession: Sendable, Equatable {
    /// The operation's result, as the agent encoded it (secrets already masked there), and its exit code.
    public enum Ending: Sendable, Equatable {
        case result(exitCode: Int32, json: Data)
        case refused(OperationError)
    }

    public var events: [Data]
    public var ending: Ending
    /// The result as the single-host command prints it, rendered by the agent (asked with the envelope's `render`).
    public var text: String?

    /// The session in `stdout`, or why it is not one: no last line (the agent died), a line that is not the agent's
    /// (what answered was not an agent), a line after the last.
    public static func parse(_ stdout: String) -> Result<AgentSession, OperationError> {
        var events: [Data] = []
        var ending: Ending?
        var text: String?
        for line in stdout.split(separator: "\n", omittingEmptySubsequences: true) {
            guard ending == nil else {
                return .failure(OperationError(.failed, "the agent wrote past its last line"))
            }
            // The agent's own layouts are taken as they are (its events, its result line): decoding the result into a
            // tree and encoding it again cost a fleet host ~3 ms of the controller's time for a 6 KB audit.
            if line.utf8.starts(with: Self.eventPrefix.utf8) {
                events.append(Data(line.utf8))
                continue
            }
            if let (code, result) = AgentProtocol.resultParts(line.utf8) {
                ending = .result(exitCode: code, json: result)
                continue
            }
            if line.utf8.starts(with: Self.textPrefix.utf8), let decoded = try? JSONDecoder.steward.decode(TextLine.self, from: Data(line.utf8)) {
                text = decoded.text
                continue
            }
            let data = Data(line.utf8)
            guard case .object(let object)? = try? JSONDecoder.steward.decode(JSONTree.self, from: data),
                  case .string(let type)? = object["type"] else {
                return .failure(OperationError(.failed, "the agent's output is not JSON lines (\(line.count) bytes of something else)"))
            }
            switch type {
            case "event":
                events.append(data)
            case "text":
                guard let line = try? JSONDecoder.steward.decode(TextLine.self, from: data) else {
                    return .failure(OperationError(.failed, "the agent's text line has no text"))
                }
                text = line.text
            case "result":
                guard case .integer(let code)? = object["exit_code"], let result = object["result"],
                      let json = try? JSONEncoder.stewardLine.encode(result) else {
                    return .failure(OperationError(.failed, "the agent's result line has no exit_code or result"))
                }
                ending = .result(exitCode: Int32(clamping: code), json: json)
            case "error":
                guard let error = object["error"], let json = try? JSONEncoder.stewardLine.encode(error),
                      let decoded = try? JSONDecoder.steward.decode(OperationError.self, from: json) else {
                    return .failure(OperationError(.failed, "the agent's error line is not an error"))
                }
                ending = .refused(decoded)
            default:
                return .failure(OperationError(.failed, "the agent wrote a line of unknown type \"\(type.prefix(20))\""))
            }
        }
        guard let ending else { return .failure(OperationError(.failed, "the agent ended without a result")) }
        return .success(AgentSession(events: events, ending: ending, text: text))
    }

    /// `{"type":"text","text":"…"}`.
    struct TextLine: Decodable {
        var text: String
    }

    /// How the agent begins an event's line (``AgentProtocol``'s `eventLine`).
    static let eventPrefix = #"{"type":"event","#
    /// How the agent begins its text line.
    static let textPrefix = #"{"type":"text","text":"#

    /// What the operation said as it went, as the single-host command prints it in text: its log lines, and its
    /// warnings as `steward: …`. A deploy's steps (`✓ preflight …`) are log lines; most reports have none.
    public var progressText: String {
        events.compactMap { line -> String? in
            guard let event = try? JSONDecoder.steward.decode(OperationEvent.self, from: line), let message = event.message else { return nil }
            switch event.kind {
            case .log: return message + "\n"
            case .warning: return "steward: " + message + "\n"
            default: return nil
            }
        }.joined()
    }
}
