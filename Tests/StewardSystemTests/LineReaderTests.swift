import Foundation
import Testing
@testable import StewardSystem

/// The line reader that counts a container dump's rows: every line given once, however the blocks cut them, a line
/// longer than the bound cut to it (the dump's values are the app's), a last line without its newline given too.
@Suite struct LineReaderTests {
    @Test func linesAcrossBlocksOverlongAndUnterminated() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("steward-lines-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let long = String(repeating: "x", count: 200_000)
        let text = "COPY public.t (id) FROM stdin;\n1\n\(long)\n\\.\n\nlast"
        let file = dir.appendingPathComponent("data.sql").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        var lines: [String] = []
        try LineReader.forEachLine(file, maxLine: 1000) { lines.append(String($0)) }
        #expect(lines == ["COPY public.t (id) FROM stdin;", "1", String(repeating: "x", count: 1000), "\\.", "", "last"])
    }
}
