import Foundation
import StewardCore
#if canImport(Glibc)
import Glibc
#endif

/// Logs on disk: large `*.log` files in the app directories and whether a logrotate pattern covers them, and the
/// journal's files summed (what `journalctl --disk-usage` reports, without the process) against their filesystem.
enum LogStorageProbe {
    /// How deep and how many entries the walk of one app directory goes: `logs/app.log`, `var/log/x.log`.
    static let maxDepth = 3
    static let maxEntries = 5000
    /// Trees that hold no app logs and many files.
    static let skipped: Set<String> = [".git", ".venv", "venv", "env", "node_modules", "__pycache__", "site-packages", ".cache", "static", "media"]

    static func gather(_ ctx: ProbeContext, appDirectories: [String]) async -> (LogStorageFacts, unanswered: [String]) {
        let files = ctx.files
        let found = await BlockingCall.run(each: appDirectories.map(files.path), timeout: ctx.commandTimeout) { hostPath in
            largeLogs(hostPath, root: files.root)
        }
        let rotate = (["/etc/logrotate.conf"] + files.list("/etc/logrotate.d").map { "/etc/logrotate.d/\($0)" })
            .compactMap { path in files.readIfPresent(path).map { (path: path, text: $0) } }
        let logs = found.compactMap { $0 }.flatMap { $0 }.map { log in
            AppLogFile(path: log.0, sizeBytes: log.1, rotatedBy: LogrotateConfig.covering(log.0, files: rotate))
        }
        let journal = await BlockingCall.run(on: files.path("/var/log"), timeout: ctx.commandTimeout) { journalUsage(files) } ?? nil
        let unanswered = zip(appDirectories, found).filter { $0.1 == nil }.map(\.0)
        return (LogStorageFacts(appLogs: logs, journal: journal), unanswered)
    }

    /// `*.log` files of at least ``LogStorageFacts/reportedBytes`` under `dir` (a host path), as audited paths.
    /// readdir's entry types say what is a directory, so only `*.log` files are stat'ed (a checkout holds thousands of
    /// files); lstat only: links are neither followed nor reported.
    static func largeLogs(_ dir: String, root: String) -> [(String, Int64)] {
        var out: [(String, Int64)] = []
        var seen = 0
        func walk(_ path: String, depth: Int) {
            guard let stream = opendir(path) else { return }
            defer { closedir(stream) }
            var names: [(String, UInt8)] = []
            while let entry = readdir(stream) {
                seen += 1
                guard seen <= maxEntries else { break }
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { names.append((name, entry.pointee.d_type)) }
            }
            for (name, type) in names.sorted(by: { $0.0 < $1.0 }) {
                let child = path + "/" + name
                let isDirectory = type == UInt8(DT_DIR) || (type == UInt8(DT_UNKNOWN) && !name.hasSuffix(".log") && isDir(child))
                if isDirectory {
                    if depth < maxDepth && !skipped.contains(name) { walk(child, depth: depth + 1) }
                    continue
                }
                guard name.hasSuffix(".log"), type == UInt8(DT_REG) || type == UInt8(DT_UNKNOWN) else { continue }
                var st = stat()
                guard lstat(child, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int64(st.st_size) >= LogStorageFacts.reportedBytes else { continue }
                out.append((String(child.dropFirst(root.count)), Int64(st.st_size)))
            }
        }
        walk(dir, depth: 1)
        return out
    }

    /// For filesystems whose readdir does not give entry types.
    static func isDir(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// The persistent journal when it has files, else the volatile one; nil when neither exists.
    static func journalUsage(_ f: HostFiles) -> JournalUsage? {
        for dir in ["/var/log/journal", "/run/log/journal"] where f.info(dir).isDirectory {
            var bytes: Int64 = 0
            for entry in [""] + f.list(dir).map({ "/" + $0 }) {
                for name in f.list(dir + entry) where name.hasSuffix(".journal") || name.hasSuffix(".journal~") {
                    bytes += f.info("\(dir)\(entry)/\(name)").size
                }
            }
            guard bytes > 0, let fs = f.filesystemUsage(dir) else { continue }
            let dropIns = ["/usr/lib/systemd/journald.conf.d", "/etc/systemd/journald.conf.d"]
                .flatMap { d in f.list(d).filter { $0.hasSuffix(".conf") }.map { (name: $0, path: "\(d)/\($0)") } }
            // systemd reads drop-ins in name order across the directories; /etc wins over /usr/lib for the same name.
            var byName: [String: String] = [:]
            for d in dropIns { byName[d.name] = d.path }
            let texts = [f.readIfPresent("/etc/systemd/journald.conf") ?? ""] + byName.keys.sorted().compactMap { f.readIfPresent(byName[$0]!) }
            return JournalUsage(directory: dir, bytes: bytes, filesystemBytes: fs.size, systemMaxUse: JournaldConfig.systemMaxUse(texts))
        }
        return nil
    }
}
