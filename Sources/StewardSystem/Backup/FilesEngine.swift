import Foundation
import StewardCore

/// Directory and config-file backups: a gzip'd tar written by GNU tar, its verbose listing kept in an index file so
/// the file count and bytes come from the archive itself.
struct FilesEngine {
    let tools: ToolRunner

    /// Archives `entries` (relative to `parent`) into `destination`.
    func backup(parent: String, entries: [String], exclude: [String], to destination: String) async throws -> BackupContents {
        for entry in entries where !FileManager.default.fileExists(atPath: parent + "/" + entry) {
            throw StoreError("\(parent == "/" ? "" : parent)/\(entry) does not exist")
        }
        let index = destination + ".index"
        defer { StoreFiles.removeQuietly(index) }
        // Exit 1 is "a file changed while it was read" (an upload in progress): the archive is complete.
        try await tools.run(Tar.create(archive: destination, index: index, parent: parent, entries: entries, exclude: exclude), okCodes: [0, 1])
        let listing = (try? String(contentsOfFile: index, encoding: .utf8)) ?? ""
        return Self.contents(ofListing: listing)
    }

    /// Regular files and their bytes in a `tar -vv` listing (`-rw-r--r-- 0/0 1234 2026-11-23 00:00 name`).
    static func contents(ofListing listing: String) -> BackupContents {
        var files = 0
        var bytes: Int64 = 0
        for line in listing.split(separator: "\n") where line.hasPrefix("-") {
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

    /// Regular files and bytes under `directory`, not following symbolic links.
    static func contents(ofDirectory directory: String) -> BackupContents {
        var files = 0
        var bytes: Int64 = 0
        let keys: [URLResourceKey] = [.isRegularFileKey, .fileSizeKey, .isSymbolicLinkKey]
        if let walker = FileManager.default.enumerator(at: URL(fileURLWithPath: directory), includingPropertiesForKeys: keys) {
            for case let url as URL in walker {
                guard let v = try? url.resourceValues(forKeys: Set(keys)), v.isRegularFile == true, v.isSymbolicLink != true else { continue }
                files += 1
                bytes += Int64(v.fileSize ?? 0)
            }
        }
        return BackupContents(files: files, bytes: bytes)
    }
}
