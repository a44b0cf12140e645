import Foundation
import StewardCore

/// SQLite file checks through the `sqlite3` shell, read-only: integrity (`PRAGMA quick_check`), journal mode, size.
enum SQLiteProbe {
    static func check(_ e: SQLiteExpectation, context: ProbeContext, timeoutMs: Int) async throws -> Verdict {
        let info = context.files.info(e.path)
        guard info.exists, !info.denied else {
            return info.denied ? .unknown(expected: e.path, "\(e.path): permission denied") : .fail(expected: "\(e.path) present", found: "absent", "\(e.path) does not exist")
        }
        var parts: [Verdict] = []
        let size = info.size
        if let critical = e.criticalBytes, size >= critical {
            parts.append(.fail(.critical, expected: "< \(Format.bytes(critical))", found: Format.bytes(size), "\(e.path) is \(Format.bytes(size))"))
        } else if let warning = e.warningBytes, size >= warning {
            parts.append(.fail(.warning, expected: "< \(Format.bytes(warning))", found: Format.bytes(size), "\(e.path) is \(Format.bytes(size))"))
        }
        if e.quickCheck || e.journalMode != nil {
            let result: CommandResult
            switch await context.runner.run(SQLite.inspect(file: context.files.path(e.path)), timeout: .milliseconds(timeoutMs)) {
            case .success(let r): result = r
            case .failure(let error): return .unknown(expected: "quick_check ok", error.description)
            }
            // A damaged file makes sqlite3 report the pages it could not read, then fail on the next statement.
            let lines = result.stdout.split(separator: "\n").map(String.init)
            let damaged = result.exitCode != 0 && (result.stderr.contains("malformed") || result.stderr.contains("not a database"))
            if result.exitCode != 0 && !damaged {
                return .unknown(expected: "quick_check ok", "sqlite3 exited \(result.exitCode): \(result.stderr.split(separator: "\n").first ?? "")")
            }
            let mode = damaged ? "" : (lines.last ?? "")
            let check = damaged ? (lines + [result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)]).joined(separator: "; ")
                : lines.dropLast().joined(separator: "; ")
            if e.quickCheck {
                parts.append(check == "ok" ? .pass(expected: "quick_check ok", found: "ok")
                    : .fail(.critical, expected: "quick_check ok", found: String(check.prefix(120)), "\(e.path) is damaged: \(check.prefix(120))"))
            }
            if let want = e.journalMode, !damaged {
                parts.append(mode.lowercased() == want.lowercased() ? .pass(expected: "journal_mode \(want)", found: mode)
                    : .fail(.warning, expected: "journal_mode \(want)", found: mode, "\(e.path) uses journal_mode \(mode)"))
            }
        }
        return Verdict.all(parts.isEmpty ? [.pass(expected: "present", found: Format.bytes(size))] : parts)
    }
}
