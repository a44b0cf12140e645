import Foundation
import Testing

/// Compares rendered output with a file under `Goldens/`. `STEWARD_RECORD_GOLDENS=1 swift test` re-records them
/// (goss's `UPDATE_GOLDEN=1`); a missing golden fails, so a new test cannot pass without one being reviewed.
public enum Golden {
    /// Asserts `actual` equals the golden `name` in the `Goldens` directory next to the calling test file.
    public static func assertMatches(_ actual: String, _ name: String, filePath: String = #filePath,
                                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        let directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Goldens")
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["STEWARD_RECORD_GOLDENS"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("golden \(name) is missing: run with STEWARD_RECORD_GOLDENS=1 and review it", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let firstDiff = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
            Issue.record("""
                \(name) differs from its golden at line \(firstDiff + 1):
                  expected: \(firstDiff < e.count ? String(e[firstDiff]) : "<end>")
                  actual:   \(firstDiff < a.count ? String(a[firstDiff]) : "<end>")
                (re-record with STEWARD_RECORD_GOLDENS=1 if the change is intended)
                """, sourceLocation: sourceLocation)
        }
    }
}
