import Foundation
import StewardCore

/// Directory and config-file backups: a gzip'd tar written by GNU tar, its verbose listing kept in an index file so
/// the file count and bytes come from the archive itself.
struct FilesEngine {
    let tools: ToolRunner

    /// Archives `entries` (relative to `parent`) into `destination`; a single entry is recorded as `storedAs`.
    func backup(parent: String, entries: [String], exclude: [String], to destination: String, dereference: Bool = false,
                storedAs: String? = nil) async throws -> BackupContents {
        for entry in entries where !FileManager.default.fileExists(atPath: parent + "/" + entry) {
            throw StoreError("\(parent == "/" ? "" : parent)/\(entry) does not exist")
        }
        let index = destination + ".index"
        defer { StoreFiles.removeQuietly(index) }
        // Exit 1 is "a file changed while it was read" (an upload in progress): the archive is complete.
        try await tools.run(Tar.create(archive: destination, index: index, parent: parent, entries: entries, exclude: exclude,
                                       dereference: dereference, storedAs: storedAs), okCodes: [0, 1])
        let listing = (try? String(contentsOfFile: index, encoding: .utf8)) ?? ""
        return Self.contents(ofListing: listing)
    }

    /// Regular files and their bytes in a `tar -vv` listing (`-rw-r--r-- 0/0 1234 2026-11-23 00:00 name`). A hard
    /// link (`h…`, size 0) counts as a file whose bytes were counted with its first name.
    static func contents(ofListing listing: String) -> BackupContents {
        var files = 0
        var bytes: Int64 = 0
        for line in listing.split(separator: "\n") where line.hasPrefix("-") || line.hasPrefix("h") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 3, let size = Int64(fields[2]) else { continue }
            files += 1
            bytes += size
        }
        return BackupContents(files: files, bytes: bytes)
    }

    /// Reads the whole archive, extracts it into a scratch directory and counts what came out.
    func verify(file: String, scratch: String) async throws -> BackupContents {
        try StoreFiles.makeDirectory(scratch, mode: 0o700)
        defer { StoreFiles.removeQuietly(scratch) }
        try await tools.run(Tar.extract(archive: file, into: scratch))
        return Self.contents(ofDirectory: scratch)
    }

    /// Regular files and bytes under `directory`, not following symbolic links; a file with several names (hard
    /// links, which tar restores as links) has its bytes counted once, as tar's listing does.
    static func contents(ofDirectory directory: String) -> BackupContents {
        var files = 0
        var bytes: Int64 = 0
        var inodes = Set<UInt64>()
        if let walker = FileManager.default.enumerator(atPath: directory) {
            for case let relative as String in walker {
                var st = stat()
                guard lstat(directory + "/" + relative, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                files += 1
                if inodes.insert(UInt64(st.st_ino)).inserted { bytes += Int64(st.st_size) }
            }
        }
        return BackupContents(files: files, bytes: bytes)
    }
}
