import Foundation
import StewardCore
import StewardOps

/// `steward restore` as text: the plan of a dry run, the confirmation question, the steps a restore took.
enum RestoreText {
    static func render(_ o: RestoreOperation.Output) -> String {
        if o.dryRun {
            var text = "restore #\(o.backup.id) (\(Timestamp.iso(o.backup.createdAt)), \(o.backup.contents.summary)) into \(o.target) — dry run, nothing changes:\n"
            for (n, step) in o.plan.enumerated() {
                text += "\(n + 1). \(step.title)\n"
                for c in step.commands { text += "     \(c)\n" }
            }
            return text
        }
        let steps = o.steps.map { "• \($0)\n" }.joined()
        return o.error == nil ? steps + "restored \(o.target) from #\(o.backup.id)\n" : steps
    }

    /// What a failed restore says on stderr: the error, and whether the previous state is back.
    static func failure(_ o: RestoreOperation.Output) -> String? {
        guard let error = o.error else { return nil }
        return "steward: restore of #\(o.backup.id) failed: \(error)\n" + (o.rolledBack ? "steward: the previous state was put back\n" : "")
    }

    static func confirmation(_ o: RestoreOperation.Output) -> String {
        "This overwrites \(o.target) (\(o.origin)) with backup #\(o.backup.id) from \(Timestamp.iso(o.backup.createdAt)) and restarts \(o.units.joined(separator: ", ")).\nType \(o.instance) to continue: "
    }
}
