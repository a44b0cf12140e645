import Foundation
@testable import StewardSystem
import Testing

/// ``MemoryTrim``: which mappings it touches (parsed from a maps text), and that on this kernel it really takes the
/// test process's resident file pages back. Serialized: a trim run by one test pages out what the other counts.
@Suite(.serialized) struct MemoryTrimTests {
    /// A test binary linked a moment ago (CI) still has dirty pages in the page cache, and MADV_PAGEOUT leaves dirty
    /// file pages alone (only writeback makes them clean): written back first, as a daemon's binary long is.
    static func writeBinaryBack() {
        let fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

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
        Self.writeBinaryBack()
        let before = try Self.residentFileKiB()
        let outcome = MemoryTrim.run()
        let after = try Self.residentFileKiB()
        #expect(outcome.regions > 0 && outcome.refused == 0, "\(outcome)")
        #expect(after < before, "RssFile \(before) kB before, \(after) kB after")
    }

    /// Every private mapping of the test binary, the writable one too, is random-access after a trim (`rr` among
    /// its VmFlags): a page read back later brings no read-ahead window into the page cache.
    @Test func theBinarysMappingsAreMarkedRandomAccess() throws {
        _ = MemoryTrim.run()
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let smaps = try String(contentsOfFile: "/proc/self/smaps", encoding: .utf8)
        var permissions: String?
        var marked: [String: Bool] = [:]
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // A mapping's first line: "start-end perms offset dev inode [path]"; its own lines follow.
            if let first = fields.first, first.contains("-"), first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                permissions = String(line).hasSuffix(" " + exe) ? String(fields[1]) : nil
            } else if let p = permissions, fields.first == "VmFlags:" {
                marked[p, default: true] = marked[p, default: true] && fields.contains("rr")
            }
        }
        #expect(marked["rw-p"] == true && marked["r-xp"] == true, "\(marked)")
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

    /// The test binary's own writable mapping (its data segment, read long ago): the pages it only read are paged
    /// out, and every page it wrote (copy-on-write: anonymous, its state) stays. (A file written by the test itself is
    /// no good here: its fresh page-cache pages are not yet on the kernel's LRU lists, and MADV_PAGEOUT skips them.)
    @Test func theBinarysWritableMappingLosesItsCleanPagesAndKeepsItsWrittenOnes() throws {
        let maps = try String(contentsOfFile: "/proc/self/maps", encoding: .utf8)
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let regions = MemoryTrim.regions(maps: maps).filter { $0.writable && $0.path == exe }
        try #require(!regions.isEmpty, "no writable mapping of \(exe)")
        let present: UInt64 = 1 << 63, file: UInt64 = 1 << 61
        func pages() throws -> (clean: Int, written: Set<UInt>) {
            var clean = 0
            var written = Set<UInt>()
            for region in regions {
                let entries = try #require(MemoryTrim.pagemap(region, pageSize: 4096))
                for (index, entry) in entries.enumerated() where entry & present != 0 {
                    if entry & file != 0 { clean += 1 } else { written.insert(region.start + UInt(index) * 4096) }
                }
            }
            return (clean, written)
        }
        Self.writeBinaryBack()
        let before = try pages()
        try #require(before.clean > 0, "the data segment has no clean resident page to page out")
        let outcome = MemoryTrim.run()
        let after = try pages()
        #expect(outcome.cleanPages > 0, "\(outcome)")
        #expect(after.clean < before.clean, "clean pages: \(before.clean) before, \(after.clean) after")
        #expect(before.written.isSubset(of: after.written), "a written page was dropped")
    }

    /// The executable's page cache: pages read by anyone (here the test, reading the whole file as a child agent
    /// would) that no process maps are dropped, so a page the trimmed process faults back brings no cached
    /// neighbours with it.
    @Test func theExecutablesUnmappedCachedPagesAreDropped() throws {
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let fd = open(exe, O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        var st = stat()
        try #require(fstat(fd, &st) == 0)
        let size = Int(st.st_size)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        while offset < size {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            try #require(n > 0)
            offset += n
        }
        let before = try Self.cachedPages(fd: fd, size: size)
        let outcome = MemoryTrim.run()
        let after = try Self.cachedPages(fd: fd, size: size)
        #expect(outcome.executableCacheDropped, "\(outcome)")
        #expect(before > size / 4096 * 9 / 10, "\(before) of \(size / 4096) pages cached after reading the file")
        #expect(after < before / 2, "cached pages of \(exe): \(before) before the trim, \(after) after")
    }

    /// How many of the file's pages are in the page cache (`mincore` on a mapping that is never touched).
    static func cachedPages(fd: Int32, size: Int) throws -> Int {
        let mapped = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0)
        try #require(mapped != MAP_FAILED)
        defer { munmap(mapped, size) }
        var vector = [UInt8](repeating: 0, count: (size + 4095) / 4096)
        try #require(mincore(mapped, size, &vector) == 0)
        return vector.reduce(0) { $0 + Int($1 & 1) }
    }

    static func residentFileKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }
}
