import Foundation
import StewardOps

/// `steward deploy`, `rollback` and `promote` as text. Their progress lines were printed as they came (log events);
/// what is left is a dry run's plan on stdout, and on stderr a state write that failed.
enum DeployText {
    static func render(_ output: DeployOperation.Output) -> String { render(output.plan) }

    static func render(_ output: RollbackOperation.Output) -> String { render(output.plan) }

    private static func render(_ plan: DeployOperation.Plan?) -> String {
        guard let plan else { return "" }
        return "dry run: nothing is changed\n" + plan.lines.map { $0 + "\n" }.joined()
    }

    /// The record in the state database is not what happened: said on stderr (the exit code is at least 1).
    static func reportUnrecorded(_ stateWriteError: String?) {
        guard let stateWriteError else { return }
        FileHandle.standardError.write(Data("steward: \(stateWriteError)\n".utf8))
    }
}
