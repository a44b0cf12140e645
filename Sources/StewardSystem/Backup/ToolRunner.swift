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
            // The last lines, and the error line a traceback (Python, SQLAlchemy) puts before its context.
            var shown = Array(lines.suffix(3))
            if let error = lines.dropLast(3).last(where: { $0.contains("Error:") || $0.contains("ERROR:") || $0.contains("Error)") }) {
                shown.insert(error.trimmingCharacters(in: .whitespaces), at: 0)
            }
            let detail = shown.joined(separator: " | ")
            throw StoreError(mask("\(command.executable) exited \(r.exitCode)\(detail.isEmpty ? "" : ": " + detail)"))
        case .failure(let e):
            throw StoreError(mask(e.description))
        }
    }

    func mask(_ text: String) -> String {
        Redactor.maskKnown(secrets, in: Redactor.scrub(text))
    }
}
