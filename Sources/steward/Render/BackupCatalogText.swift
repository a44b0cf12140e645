import Foundation
import StewardCore
import StewardOps

/// `steward backups` as text: a line per backup, newest first, and the message of a failed last verification.
enum BackupCatalogText {
    static func render(_ output: CatalogOperation.Output, target: String?, state: String) -> String {
        if output.records.isEmpty { return "no backups\(target.map { " of \($0)" } ?? "") in \(state)\n" }
        var text = ""
        for r in output.records {
            text += line(r) + "\n"
            if let v = r.lastVerification, !v.passed { text += "    last verification \(Timestamp.iso(v.at)): \(v.message)\n" }
        }
        return text
    }

    /// `#12  2026-11-23T01:02:03Z  marb@prod/db  postgres  4.1 MiB  sha256:1a2b3c4d5e6f  1.2 s  …  verified`.
    static func line(_ r: BackupRecord) -> String {
        let seconds = Format.seconds(milliseconds: r.durationMs)
        return "#\(r.id)  \(Timestamp.iso(r.createdAt))  \(r.label)  \(r.kind.rawValue)  \(Format.bytes(r.sizeBytes))  sha256:\(r.sha256.prefix(12))  \(seconds)  \(r.contents.summary)  \(r.verificationStatus)"
    }
}
