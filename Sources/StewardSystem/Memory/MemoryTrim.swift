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
/// Only read-only file mappings are touched: writable ones hold state. Pages another process shares are left alone by
/// the kernel. A later access reads the page back from the file (a 4 KB read).
public enum MemoryTrim {
    /// A read-only mapping of a file, from `/proc/self/maps`.
    public struct Region: Equatable, Sendable {
        public var start: UInt
        public var end: UInt
        public var path: String
        public var bytes: UInt { end - start }
    }

    public struct Outcome: Equatable, Sendable {
        /// Mappings advised, and their size (mapped, not necessarily resident before).
        public var regions: Int
        public var bytes: UInt64
        /// Mappings the kernel refused (an older kernel without MADV_PAGEOUT: Linux 5.4 and later have it).
        public var refused: Int
        /// Whether malloc gave memory back.
        public var heapReleased: Bool
    }

    /// `madvise` advice values from the kernel's ABI (<linux/mman.h>); Swift's Glibc module does not carry
    /// MADV_PAGEOUT.
    static let adviseRandom: Int32 = 1
    static let advisePageOut: Int32 = 21

    /// The read-only (`r--p`, `r-xp`) mappings of files in a `/proc/PID/maps` text; pseudo-files (`[vdso]`) and
    /// anonymous memory are not files and are left out.
    public static func regions(maps: String) -> [Region] {
        var found: [Region] = []
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[1] == "r--p" || fields[1] == "r-xp" else { continue }
            let path = fields[5].trimmingCharacters(in: .whitespaces)
            guard path.hasPrefix("/") else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end > start else { continue }
            found.append(Region(start: start, end: end, path: path))
        }
        return found
    }

    /// Trims this process: each read-only file mapping marked random-access and paged out, then malloc's free memory
    /// released. CPU work in the kernel, a few milliseconds; no I/O.
    public static func run() -> Outcome {
        var outcome = Outcome(regions: 0, bytes: 0, refused: 0, heapReleased: false)
        if let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) {
            for region in regions(maps: maps) {
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
        outcome.heapReleased = steward_trim_heap() == 1
        return outcome
    }
}
