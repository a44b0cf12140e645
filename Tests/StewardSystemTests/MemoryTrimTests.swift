import Foundation
@testable import StewardSystem
import Testing

/// ``MemoryTrim``: which mappings it touches (parsed from a maps text), and that on this kernel it really takes the
/// test process's resident file pages back.
@Suite struct MemoryTrimTests {
    @Test func onlyReadOnlyFileMappingsAreTrimmed() {
        let maps = """
            55b555867000-55b559324000 r-xp 00000000 fe:00 1234     /usr/bin/steward
            55b559325000-55b5594a8000 r--p 03abd000 fe:00 1234     /usr/bin/steward
            55b5594a8000-55b55bac2000 rw-p 03c40000 fe:00 1234     /usr/bin/steward
            55b57bab3000-55b57bd5b000 rw-p 00000000 00:00 0        [heap]
            7f8ae0244000-7f8ae039a000 r-xp 00028000 fe:00 99       /usr/lib/x86_64-linux-gnu/libc.so.6
            7f8ae039b000-7f8ae039c000 r--p 00000000 00:00 0
            7fff1c5f1000-7fff1c5f3000 r-xp 00000000 00:00 0        [vdso]
            7f8ae0400000-7f8ae0401000 r--p 00000000 fe:00 7        /srv/app/a file with spaces.so
            garbage line
            """
        #expect(MemoryTrim.regions(maps: maps) == [
            .init(start: 0x55b5_5586_7000, end: 0x55b5_5932_4000, path: "/usr/bin/steward"),
            .init(start: 0x55b5_5932_5000, end: 0x55b5_594a_8000, path: "/usr/bin/steward"),
            .init(start: 0x7f8a_e024_4000, end: 0x7f8a_e039_a000, path: "/usr/lib/x86_64-linux-gnu/libc.so.6"),
            .init(start: 0x7f8a_e040_0000, end: 0x7f8a_e040_1000, path: "/srv/app/a file with spaces.so"),
        ])
    }

    @Test func aTrimGivesBackResidentPagesOfTheProcessFiles() throws {
        let before = try Self.residentFileKiB()
        let outcome = MemoryTrim.run()
        let after = try Self.residentFileKiB()
        #expect(outcome.regions > 0 && outcome.refused == 0, "\(outcome)")
        #expect(after < before, "RssFile \(before) kB before, \(after) kB after")
    }

    static func residentFileKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }
}
