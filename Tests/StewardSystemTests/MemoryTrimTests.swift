import Foundation
@testable import StewardSystem
import Testing

/// ``MemoryTrim``: which mappings it touches (parsed from a maps text), and that on this kernel it really takes the
/// test process's resident file pages back.
@Suite struct MemoryTrimTests {
    @Test func privateFileMappingsAreTrimmedAndTheWritableOnesMarked() {
        let maps = """
            55b555867000-55b559324000 r-xp 00000000 fe:00 1234     /usr/bin/steward
            55b559325000-55b5594a8000 r--p 03abd000 fe:00 1234     /usr/bin/steward
            55b5594a8000-55b55bac2000 rw-p 03c40000 fe:00 1234     /usr/bin/steward
            55b57bab3000-55b57bd5b000 rw-p 00000000 00:00 0        [heap]
            7f8ae0244000-7f8ae039a000 r-xp 00028000 fe:00 99       /usr/lib/x86_64-linux-gnu/libc.so.6
            7f8ae039b000-7f8ae039c000 r--p 00000000 00:00 0
            7fff1c5f1000-7fff1c5f3000 r-xp 00000000 00:00 0        [vdso]
            7f8ae0500000-7f8ae0508000 rw-s 00000000 fe:00 8        /var/lib/steward/history.db-shm
            7f8ae0600000-7f8ae0601000 rwxp 00000000 fe:00 9        /srv/app/jit.bin
            7f8ae0400000-7f8ae0401000 r--p 00000000 fe:00 7        /srv/app/a file with spaces.so
            garbage line
            """
        #expect(MemoryTrim.regions(maps: maps) == [
            .init(start: 0x55b5_5586_7000, end: 0x55b5_5932_4000, path: "/usr/bin/steward"),
            .init(start: 0x55b5_5932_5000, end: 0x55b5_594a_8000, path: "/usr/bin/steward"),
            .init(start: 0x55b5_594a_8000, end: 0x55b5_5bac_2000, path: "/usr/bin/steward", writable: true),
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

    @Test func cleanRunsArePresentFileBackedPagesOnly() {
        let present: UInt64 = 1 << 63, file: UInt64 = 1 << 61, swapped: UInt64 = 1 << 62
        let entries: [UInt64] = [present | file, present | file, present, 0, present | file, file, swapped | file, present | file]
        #expect(MemoryTrim.cleanFileRuns(pagemap: entries, start: 0x10000) == [
            0x10000..<0x12000, 0x14000..<0x15000, 0x17000..<0x18000,
        ])
        #expect(MemoryTrim.cleanFileRuns(pagemap: [], start: 0x10000).isEmpty)
        #expect(MemoryTrim.cleanFileRuns(pagemap: [present | file], start: 0, pageSize: 16384) == [0..<16384])
    }

    /// A private writable mapping of a file on disk: the pages the process only read are paged out, the page it wrote
    /// (copy-on-write, its own state now) stays.
    @Test func aWritableMappingLosesItsReadPagesAndKeepsItsWrittenOne() throws {
        let path = "/var/tmp/steward-memorytrim-\(getpid()).bin"
        let pages = 8, pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        try Data(repeating: 7, count: pages * pageSize).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        let base = try #require(mmap(nil, pages * pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0))
        try #require(base != MAP_FAILED)
        defer { munmap(base, pages * pageSize) }
        var sum = 0
        for page in 0..<pages { sum += Int(base.load(fromByteOffset: page * pageSize, as: UInt8.self)) }
        #expect(sum == 7 * pages)
        base.storeBytes(of: 9, toByteOffset: 3 * pageSize, as: UInt8.self)
        let region = MemoryTrim.Region(start: UInt(bitPattern: base), end: UInt(bitPattern: base) + UInt(pages * pageSize), path: path, writable: true)
        let before = try #require(MemoryTrim.pagemap(region, pageSize: UInt(pageSize)))
        #expect(before.allSatisfy { $0 & (1 << 63) != 0 }, "every page was touched")

        let outcome = MemoryTrim.run()
        let after = try #require(MemoryTrim.pagemap(region, pageSize: UInt(pageSize)))
        #expect(outcome.cleanPages >= pages - 1, "\(outcome)")
        for (page, entry) in after.enumerated() {
            if page == 3 {
                #expect(entry & (1 << 63) != 0 && entry & (1 << 61) == 0, "the written page stays, anonymous")
            } else {
                #expect(entry & (1 << 63) == 0, "page \(page), only read, is still resident")
            }
        }
        #expect(base.load(fromByteOffset: 3 * pageSize, as: UInt8.self) == 9)
        #expect(base.load(fromByteOffset: 5 * pageSize, as: UInt8.self) == 7)
    }

    static func residentFileKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }
}
