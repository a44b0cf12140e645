import Foundation
import StewardCore
import StewardOps

/// `steward backup prune` as text: each backup kept (and why) or deleted (and its file), then the count.
enum BackupPruneText {
    static func render(_ o: PruneOperation.Output) -> String {
        let verb = o.dryRun ? "would delete" : "deleted"
        var text = ""
        for d in o.decisions {
            let r = d.backup
            if d.keep {
                text += "keep    #\(r.id) \(r.label) \(Timestamp.iso(r.createdAt))  (\(d.reasons.joined(separator: ", ")))\n"
            } else {
                text += "\(verb) #\(r.id) \(r.label) \(Timestamp.iso(r.createdAt))  \(r.path)\n"
            }
        }
        return text + "\(verb) \(o.deleted) backup(s)\n"
    }
}
