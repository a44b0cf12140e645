import Foundation
import StewardCore
import StewardOps

/// `steward releases` as text: a block per deploy, newest first, and the interrupted deploy at the end.
enum ReleasesText {
    static func render(_ output: ReleasesOperation.Output) -> String {
        if output.releases.isEmpty { return "no deploys of \(output.target) recorded in \(output.state)\n" }
        var text = output.releases.map { describe($0) + "\n" }.joined()
        if let message = output.interruptedMessage { text += "\n! \(message)\n" }
        return text
    }

    static func describe(_ r: DeployRecord) -> String {
        let duration = r.durationMs.map { Format.seconds(milliseconds: $0) } ?? "-"
        var lines = ["#\(r.id)  \(r.kind.rawValue)  \(r.ref)  \(r.shortCommit)  \(Timestamp.iso(r.startedAt))  by \(r.user)  \(r.status.rawValue)  \(duration)"
                     + (r.reason.isEmpty ? "" : "  reason: \(r.reason)")]
        let timings = r.steps.map { "\($0.name) \($0.result == .running ? "…" : Format.seconds(milliseconds: $0.durationMs))\($0.result == .failed ? " ✗" : $0.result == .skipped ? " –" : "")" }
        if !timings.isEmpty { lines.append("    steps: " + timings.joined(separator: ", ")) }
        if !r.backupIDs.isEmpty { lines.append("    pre-deploy backup: #" + r.backupIDs.map(String.init).joined(separator: ", #")) }
        if let schema = r.schema { lines.append("    schema: \(schema)") }
        if let error = r.error { lines.append("    error: \(error)") }
        return lines.joined(separator: "\n")
    }
}
