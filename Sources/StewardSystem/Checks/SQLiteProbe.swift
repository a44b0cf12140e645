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
            let out = try await context.output(SQLite.inspect(file: context.files.path(e.path)))
            let lines = out.split(separator: "\n").map(String.init)
            let mode = lines.last ?? ""
            let check = lines.dropLast().joined(separator: "; ")
            if e.quickCheck {
                parts.append(check == "ok" ? .pass(expected: "quick_check ok", found: "ok")
                    : .fail(.critical, expected: "quick_check ok", found: String(check.prefix(120)), "\(e.path) is damaged: \(check.prefix(120))"))
            }
            if let want = e.journalMode {
                parts.append(mode.lowercased() == want.lowercased() ? .pass(expected: "journal_mode \(want)", found: mode)
                    : .fail(.warning, expected: "journal_mode \(want)", found: mode, "\(e.path) uses journal_mode \(mode)"))
            }
        }
        return Verdict.all(parts.isEmpty ? [.pass(expected: "present", found: Format.bytes(size))] : parts)
    }
}
