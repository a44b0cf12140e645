import Foundation
import StewardCore

/// Runs the tools of a backup or restore (pg_dump, tar, systemctl) through the one command runner, with long
/// timeouts, and turns a failure into a ``StoreError`` whose message has every known secret masked.
struct ToolRunner: Sendable {
    var runner: any CommandRunning = CommandRunner()
    /// Values to mask in any message (the DSN's password, the whole DSN).
    var secrets: [String] = []

    @discardableResult
    func run(_ command: Command, timeout: Duration = .seconds(6 * 3600), okCodes: Set<Int32> = [0]) async throws -> CommandResult {
        switch await runner.run(command, timeout: timeout) {
        case .success(let r) where okCodes.contains(r.exitCode):
            return r
        case .success(let r):
            let lines = r.stderr.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
            let detail = lines.suffix(3).joined(separator: " | ")
            throw StoreError(mask("\(command.executable) exited \(r.exitCode)\(detail.isEmpty ? "" : ": " + detail)"))
        case .failure(let e):
            throw StoreError(mask(e.description))
        }
    }

    func mask(_ text: String) -> String {
        Redactor.maskKnown(secrets, in: Redactor.scrub(text))
    }
}
