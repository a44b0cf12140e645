import Foundation
import StewardOps

/// `steward backup schedule` as text: with `--dry-run`, each unit under a `# PATH` line, then the commands; else the
/// units written and the commands run (as they were logged).
enum BackupScheduleText {
    static func render(_ o: ScheduleOperation.Output) -> String {
        let commands = o.commands.map { $0 + "\n" }.joined()
        if o.dryRun { return o.units.map { "# \($0.path)\n\($0.text)" }.joined(separator: "\n") + "\n" + commands }
        return o.units.map { "wrote \($0.path)\n" }.joined() + commands
    }
}
