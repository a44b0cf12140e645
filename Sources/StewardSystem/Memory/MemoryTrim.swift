import CStewardSys
import Foundation
import Glibc

/// Gives back the memory a long-running process holds but no longer uses: the pages of its executable and libraries
/// that only start-up touched (argument parsing, manifest validation, the first audit), and the free memory inside
/// malloc's heaps.
///
/// Why: `steward serve` is one binary with every command in it (a static build is ~60 MB of code and constants).
/// Starting it touches pages all over that code, and the kernel maps 64 KB around every page a fault reads, so a
/// daemon that uses ~7 MB of code keeps ~35 MB of it resident. Those pages are clean (read from the file, never
/// written) and would be dropped under memory pressure anyway; on a 1-2 GB box we drop them ourselves, and mark the
/// mappings random-access so that a page read back later brings no read-ahead with it.
///
/// Read-only file mappings are paged out whole. A private writable mapping of a file (the executable's data segment,
/// which in a static Swift build also holds ~37 MB of constants: ICU's data, metadata) mixes pages still backed by the
/// file with pages the process wrote (copy-on-write, now anonymous: they hold state); there only runs of pages that
/// `/proc/self/pagemap` shows present and file-backed are paged out, so nothing written is ever handed to swap.
/// Pages another process shares are left alone by the kernel. A later access reads the page back from the file.
public enum MemoryTrim {
    /// A file mapping from `/proc/self/maps`: read-only (paged out whole), or private and writable (only its clean,
    /// file-backed pages are paged out).
    public struct Region: Equatable, Sendable {
        public var start: UInt
        public var end: UInt
        public var path: String
        public var writable: Bool = false
        public var bytes: UInt { end - start }
    }

    public struct Outcome: Equatable, Sendable {
        /// Mappings advised, and their size (mapped, not necessarily resident before).
        public var regions: Int
        public var bytes: UInt64
        /// Mappings the kernel refused (an older kernel without MADV_PAGEOUT: Linux 5.4 and later have it).
        public var refused: Int
        /// Clean file-backed pages of writable mappings paged out.
        public var cleanPages: Int = 0
        /// Whether malloc gave memory back.
        public var heapReleased: Bool
        /// Whether the kernel was asked to drop the executable's page-cache pages no process maps.
        public var executableCacheDropped: Bool = false
    }

    /// `madvise` advice values from the kernel's ABI (<linux/mman.h>); Swift's Glibc module does not carry
    /// MADV_PAGEOUT.
    static let adviseRandom: Int32 = 1
    static let advisePageOut: Int32 = 21

    /// Caps the heaps glibc's malloc keeps to `count`. Without a cap each thread that meets a locked heap gets one of
    /// its own (up to 8 per core), and every heap keeps the free memory of its own peaks: the daemon's ~16 threads held
    /// 5 heaps, 12-15 MiB with 2-3 MiB of it free. Measured on the 500-check daemon: 15.4 MiB anonymous with no cap,
    /// 12.8 with one heap. Call before the threads start; heaps that exist already stay.
    @discardableResult
    public static func limitHeaps(_ count: Int32) -> Bool {
        steward_limit_malloc_arenas(count) == 1
    }

    /// The private mappings of files in a `/proc/PID/maps` text: read-only (`r--p`, `r-xp`) and writable (`rw-p`).
    /// Pseudo-files (`[vdso]`, `[heap]`), anonymous memory, shared mappings (`rw-s`: SQLite's `-shm`) and executable
    /// writable ones are left out.
    public static func regions(maps: String) -> [Region] {
        var found: [Region] = []
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[1] == "r--p" || fields[1] == "r-xp" || fields[1] == "rw-p" else { continue }
            let path = fields[5].trimmingCharacters(in: .whitespaces)
            guard path.hasPrefix("/") else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end > start else { continue }
            found.append(Region(start: start, end: end, path: path, writable: fields[1] == "rw-p"))
        }
        return found
    }

    /// The runs of pages, as byte ranges from `start`, that `/proc/PID/pagemap` entries (one 64-bit word per 4 KiB
    /// page) show present (bit 63) and file-backed (bit 61): pages of a private file mapping the process never wrote.
    public static func cleanFileRuns(pagemap: [UInt64], start: UInt, pageSize: UInt = 4096) -> [Range<UInt>] {
        var runs: [Range<UInt>] = []
        var runStart: UInt?
        for (index, entry) in pagemap.enumerated() {
            let clean = entry & (1 << 63) != 0 && entry & (1 << 61) != 0
            let address = start + UInt(index) * pageSize
            if clean, runStart == nil { runStart = address }
            if !clean, let begun = runStart {
                runs.append(begun..<address)
                runStart = nil
            }
        }
        if let begun = runStart { runs.append(begun..<(start + UInt(pagemap.count) * pageSize)) }
        return runs
    }

    /// Pages out `runs` of this process's memory; the number of pages the kernel took the advice for.
    static func pageOut(_ runs: [Range<UInt>], pageSize: UInt) -> Int {
        var pages = 0
        for run in runs {
            guard let address = UnsafeMutableRawPointer(bitPattern: run.lowerBound) else { continue }
            if madvise(address, Int(run.upperBound - run.lowerBound), advisePageOut) == 0 {
                pages += Int((run.upperBound - run.lowerBound) / pageSize)
            }
        }
        return pages
    }

    /// This process's pagemap entries for `region`, or nil when it cannot be read.
    static func pagemap(_ region: Region, pageSize: UInt) -> [UInt64]? {
        let fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return pagemap(region, pageSize: pageSize, from: fd)
    }

    /// `region`'s entries read from an open `/proc/self/pagemap`.
    static func pagemap(_ region: Region, pageSize: UInt, from fd: Int32) -> [UInt64]? {
        let count = Int(region.bytes / pageSize)
        var entries = [UInt64](repeating: 0, count: count)
        let wanted = count * MemoryLayout<UInt64>.size
        let read = entries.withUnsafeMutableBytes { pread(fd, $0.baseAddress, wanted, off_t(region.start / pageSize) * 8) }
        return read == wanted ? entries : nil
    }

    /// Trims this process: each read-only file mapping marked random-access and paged out, the clean pages of the
    /// writable ones paged out, then malloc's free memory released. CPU work in the kernel, a few milliseconds; no I/O.
    public static func run() -> Outcome {
        var outcome = Outcome(regions: 0, bytes: 0, refused: 0, heapReleased: false)
        if let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) {
            let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))
            let pagemapFD = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
            defer { if pagemapFD >= 0 { close(pagemapFD) } }
            for region in regions(maps: maps) {
                if region.writable {
                    // Random access here too: the static build's constants (~37 MB, ICU's data among them) sit in this
                    // mapping; without it a read of one brings read-ahead windows into the page cache, and a later
                    // fault in the mapping maps the cached neighbours too (fault-around).
                    if let address = UnsafeMutableRawPointer(bitPattern: region.start) { _ = madvise(address, Int(region.bytes), adviseRandom) }
                    guard pagemapFD >= 0, let entries = pagemap(region, pageSize: pageSize, from: pagemapFD) else {
                        outcome.refused += 1
                        continue
                    }
                    outcome.cleanPages += pageOut(cleanFileRuns(pagemap: entries, start: region.start, pageSize: pageSize), pageSize: pageSize)
                    continue
                }
                guard let address = UnsafeMutableRawPointer(bitPattern: region.start) else { continue }
                _ = madvise(address, Int(region.bytes), adviseRandom)
                if madvise(address, Int(region.bytes), advisePageOut) == 0 {
                    outcome.regions += 1
                    outcome.bytes += UInt64(region.bytes)
                } else {
                    outcome.refused += 1
                }
            }
        }
        outcome.executableCacheDropped = dropUnmappedCache(of: "/proc/self/exe")
        outcome.heapReleased = steward_trim_heap() == 1
        return outcome
    }

    /// Asks the kernel to drop `path`'s page-cache pages that no process maps (`POSIX_FADV_DONTNEED` skips mapped
    /// ones). Why: a page the daemon faults back in after a trim comes with up to 15 neighbours the kernel maps at
    /// once from the page cache ("fault-around"); the executable's cache is refilled by every other start of Steward
    /// (the audit's child agent reads it with read-ahead), so without this drop the daemon soon holds again pages it
    /// never touches. After it, a fault maps little more than the page it needs (the mapping is random-access: no
    /// read-ahead). The cost: a later start of Steward reads its pages from disk again.
    static func dropUnmappedCache(of path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0
    }
}
