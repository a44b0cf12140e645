import Foundation
import StewardCore

/// A fleet run's answers rendered: each host's section in the inventory's order, its result rendered as the
/// single-host command renders it, then a summary; or one JSON document keyed by host (`steward.fleet/1`). Pure.
public struct FleetReport: Sendable {
    public var operation: String
    public var outcomes: [HostOutcome]

    public init(operation: String, outcomes: [HostOutcome]) {
        self.operation = operation
        self.outcomes = outcomes
    }

    public var exitCode: Int32 { HostOutcome.worst(outcomes) }

    /// Text (or Markdown, with `heading`): per host a heading, then `render` of its result (nil when it cannot be
    /// decoded: the host runs another version's format), its refusal or why it was not reached; then the summary.
    public func text(markdown: Bool = false, render: (Data) -> String?) -> String {
        sections(markdown: markdown, render: render) + summary + "\n"
    }

    /// The hosts' sections without the summary.
    public func sections(markdown: Bool = false, render: (Data) -> String?) -> String {
        var out = ""
        for o in outcomes {
            let took = String(format: "%.2f s", o.seconds)
            let binary = o.preparation == .copied ? ", Steward copied" : ""
            out += markdown ? "# \(o.host) (\(o.destination))\n\n" : "== \(o.host) (\(o.destination)) · \(took)\(binary) ==\n"
            switch o.state {
            case .unreachable(let reason):
                out += "unknown: not reached: \(reason)\n"
            case .answered(let session):
                out += session.progressText
                switch session.ending {
                case .refused(let error):
                    out += "steward: \(error.message)\n" + (error.hint.map { "  hint: \($0)\n" } ?? "")
                case .result(_, let json):
                    out += session.text ?? render(json) ?? "(a result this Steward cannot read: the host runs another version)\n"
                }
            }
            out += "\n"
        }
        return out
    }

    /// `fleet: 3 hosts, audit: web1 ok, web2 critical (2), db1 unknown (not reached); exit 3`.
    public var summary: String {
        let parts = outcomes.map { o -> String in
            switch o.state {
            case .unreachable: return "\(o.host) unknown (not reached)"
            case .answered(let s):
                if case .refused = s.ending { return "\(o.host) refused (\(o.exitCode))" }
                return "\(o.host) \(Self.word(o.exitCode))" + (o.exitCode == 0 ? "" : " (\(o.exitCode))")
            }
        }
        return "fleet: \(outcomes.count) host(s), \(operation): \(parts.joined(separator: ", ")); exit \(exitCode)"
    }

    static func word(_ code: Int32) -> String {
        switch code {
        case 0: "ok"
        case 1: "warning"
        case 2: "critical"
        default: "unknown"
        }
    }

    /// `{"schema": "steward.fleet/1", "operation": …, "exit_code": N, "hosts": {NAME: {…}}}`: per host its
    /// destination, exit code, seconds, whether Steward was copied, and its `result`, `error` or `unreachable`.
    public var document: JSONTree {
        var hosts: [String: JSONTree] = [:]
        for o in outcomes {
            var entry: [String: JSONTree] = [
                "destination": .string(o.destination), "exit_code": .integer(Int64(o.exitCode)),
                "seconds": .number((o.seconds * 1000).rounded() / 1000),
            ]
            if let p = o.preparation { entry["binary"] = .string(p.rawValue) }
            switch o.state {
            case .unreachable(let reason): entry["unreachable"] = .string(reason)
            case .answered(let session):
                switch session.ending {
                case .result(_, let json): entry["result"] = (try? JSONDecoder.steward.decode(JSONTree.self, from: json)) ?? .null
                case .refused(let error):
                    entry["error"] = (try? JSONEncoder.stewardLine.encode(error)).flatMap { try? JSONDecoder.steward.decode(JSONTree.self, from: $0) } ?? .null
                }
            }
            hosts[o.host] = .object(entry)
        }
        return .object(["schema": .string("steward.fleet/1"), "operation": .string(operation),
                        "exit_code": .integer(Int64(exitCode)), "hosts": .object(hosts)])
    }
}
