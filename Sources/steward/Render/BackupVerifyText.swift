import Foundation
import StewardOps

/// `steward backup verify` as text: a line per backup, as each verification logged it.
enum BackupVerifyText {
    static func render(_ output: VerifyOperation.Output) -> String {
        output.verifications.map { VerifyOperation.line($0) + "\n" }.joined()
    }
}
