import Foundation
import StewardOps

/// `steward backup` as text: the line each source's result logged as it was done (printed here when the events went
/// elsewhere, with `--events jsonl`).
enum BackupRunText {
    static func render(_ output: BackupOperation.Output) -> String {
        output.results.map { BackupOperation.line($0) + "\n" }.joined()
    }
}
