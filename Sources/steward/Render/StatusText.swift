import Foundation
import StewardCore
import StewardOps

/// `steward status` as text: a line per instance, and the interrupted deploy under it.
enum StatusText {
    static func render(_ output: StatusOperation.Output) -> String {
        if output.instances.isEmpty { return "no deploys recorded in \(output.state)\n" }
        var text = ""
        for i in output.instances {
            let runs = i.serving.map { "\($0.ref) (\($0.shortCommit)) since \(Timestamp.iso($0.finishedAt ?? $0.startedAt))" } ?? "no release deployed by steward"
            text += "\(i.label): runs \(runs); last deploy #\(i.last.id) \(i.last.ref) \(i.last.status.rawValue)\n"
            if let message = i.interruptedMessage { text += "  ! \(message)\n" }
        }
        return text
    }
}
