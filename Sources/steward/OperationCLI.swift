import ArgumentParser
import Foundation
import StewardCore
import StewardOps
import StewardSystem

/// How the CLI runs an operation: builds the host context (the one place that reads the process environment),
/// routes events (text lines, or `--events jsonl` on stderr), renders a typed error and exits with the
/// operation's code. Command files parse arguments, call this, and render the result.
enum OperationCLI {
    /// Runs `op` and returns its output; an ``OperationError`` is rendered (`steward: message`, then the hint;
    /// as JSON with `--format json`) and ends the process with its exit code.
    static func run<O: StewardOperation>(_ op: O.Type, _ request: O.Request, statePath: String = StateStore.defaultPath, root: String = "/",
                                         json: Bool = false, events: EventStyle = .text) async throws -> O.Output {
        let host = HostContext.forProcess(statePath: statePath, root: root, events: events.sink(textProgress: !json))
        do {
            return try await O.run(request, on: host)
        } catch {
            fail(error, json: json)
        }
    }

    /// Renders a typed error and exits with its code: always as text on stderr (for the person), and with
    /// `--format json` also as a `steward.error/1` document on stdout (for the program reading it).
    static func fail(_ error: OperationError, json: Bool = false) -> Never {
        if json {
            let data = (try? JSONEncoder.stewardDocument.encode(ErrorDocument(error: error))) ?? Data()
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
        var text = error.details.map { $0 + "\n" }.joined()
        text += "steward: \(error.message)\n"
        if let hint = error.hint { text += "  hint: \(hint)\n" }
        FileHandle.standardError.write(Data(text.utf8))
        Foundation.exit(error.exitCode)
    }

    /// Prints a `--format json` document.
    static func printJSON<T: Encodable>(_ value: T) {
        let data = (try? JSONEncoder.stewardDocument.encode(value)) ?? Data("null".utf8)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    struct ErrorDocument: Encodable {
        var schema = "steward.error/1"
        var error: OperationError
    }
}

/// `--events`: progress as text lines (the default) or JSON lines on stderr.
enum EventStyle: String, ExpressibleByArgument, CaseIterable {
    case text, jsonl

    /// Text: log lines to stdout (unless the result is JSON), warnings to stderr as `steward: …`. JSON lines: every
    /// event to stderr, one object per line, so stdout keeps the result.
    func sink(textProgress: Bool) -> EventSink {
        switch self {
        case .text:
            return EventSink { event in
                switch event.kind {
                case .log where textProgress:
                    FileHandle.standardOutput.write(Data(((event.message ?? "") + "\n").utf8))
                case .warning:
                    FileHandle.standardError.write(Data("steward: \(event.message ?? "")\n".utf8))
                default: break
                }
            }
        case .jsonl:
            return EventSink { event in
                let data = (try? JSONEncoder.stewardLine.encode(event)) ?? Data()
                FileHandle.standardError.write(data + Data("\n".utf8))
            }
        }
    }
}
