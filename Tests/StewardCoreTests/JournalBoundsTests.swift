import Foundation
import Testing
@testable import StewardCore

/// Journal JSON lines are bounded: a huge line is skipped unparsed, a hostile one never crashes the analyzer.
@Suite struct JournalBoundsTests {
    @Test func aLineOverTheBoundIsSkipped() {
        let huge = "{\"MESSAGE\":\"" + String(repeating: "x", count: JournalAnalyzer.maxLineBytes) + "\",\"_SYSTEMD_UNIT\":\"a.service\"}"
        let small = "{\"MESSAGE\":\"ERROR small\",\"_SYSTEMD_UNIT\":\"a.service\"}"
        let entries = JournalAnalyzer.entries(fromJSONLines: huge + "\n" + small + "\n")
        #expect(entries.map(\.message) == ["ERROR small"])
    }

    @Test func hostileLinesAreSkippedNotFatal() {
        let lines = [
            "{\"MESSAGE\":" + String(repeating: "[", count: 100_000) + "}",
            "{\"MESSAGE\":[99999999999999999999, -1, 300]}",
            "[1,2,3]", "null", "{\"MESSAGE\":{\"a\":1}}", "\u{FEFF}{}",
        ]
        let entries = JournalAnalyzer.entries(fromJSONLines: lines.joined(separator: "\n"))
        _ = JournalAnalyzer.unitLogs(entries, units: ["a.service"])
        #expect(entries.count <= 1)
    }
}
