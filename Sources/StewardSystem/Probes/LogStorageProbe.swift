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

    /// The facts, the app directories that did not answer in time, and why others could not be walked (an app
    /// directory reached through a symbolic link its user could have planted).
    static func gather(_ ctx: ProbeContext, appDirectories: [String]) async -> (LogStorageFacts, unanswered: [String], refused: [String]) {
        let files = ctx.files
        let found = await BlockingCall.run(each: appDirectories.map(files.path), timeout: ctx.commandTimeout) { hostPath in
            largeLogs(hostPath, root: files.root)
        }
        let large = found.compactMap { $0?.logs }.flatMap { $0 }
        // logrotate's files only when there is a log to match them against (most hosts have none this large).
        let rotate = large.isEmpty ? [] : (["/etc/logrotate.conf"] + files.list("/etc/logrotate.d").map { "/etc/logrotate.d/\($0)" })
            .compactMap { path in files.readIfPresent(path).map { (path: path, text: $0) } }
        let logs = large.map { log in
            AppLogFile(path: log.0, sizeBytes: log.1, rotatedBy: LogrotateConfig.covering(log.0, files: rotate))
        }
        let journal = await BlockingCall.run(on: files.path("/var/log"), timeout: ctx.commandTimeout) { journalUsage(files) } ?? nil
        let unanswered = zip(appDirectories, found).filter { $0.1 == nil }.map(\.0)
        return (LogStorageFacts(appLogs: logs, journal: journal), unanswered, found.compactMap { $0?.refused })
    }

    /// What the walk of one app directory found, or why it did not start.
    struct Walk: Sendable {
        var logs: [(String, Int64)] = []
        var refused: String?
    }

    /// `*.log` files of at least ``LogStorageFacts/reportedBytes`` under `dir` (a host path), as audited paths.
    ///
    /// The app's user owns this tree and can swap a directory for a symbolic link at any moment, so nothing in it is
    /// reached by path: `dir` is opened by ``SafePath/openInOwnersTree(_:)`` (a link on the way is followed when root
    /// made it where only root can change it, or when the tree's owner did and it leads to a directory inside that
    /// tree, as a releases layout's `current`; else the walk is refused, with the reason), each
    /// subdirectory with `openat(O_NOFOLLOW | O_DIRECTORY)` relative to its parent's descriptor (a directory replaced by
    /// a link since readdir is not entered), and each `*.log` measured by `fstatat(AT_SYMLINK_NOFOLLOW)` relative to
    /// it (a link is neither followed nor reported). readdir's entry types say what is a directory, so only `*.log`
    /// files are stat'ed (a checkout holds thousands of files). A missing directory has no logs.
    /// - Parameter willEnter: called with a subdirectory's path before it is opened (tests swap it for a link there).
    static func largeLogs(_ dir: String, root: String, willEnter: ((String) -> Void)? = nil) -> Walk {
        var walk = Walk()
        var st = stat()
        if lstat(dir, &st) != 0 && (errno == ENOENT || errno == ENOTDIR) { return walk }
        let top: SafePath.Directory
        do {
            top = try SafePath.openInOwnersTree(dir)
        } catch {
            walk.refused = HostFiles.unrooted(String(describing: error), root: root)
            return walk
        }
        var seen = 0
        /// `fd` is the open directory at `path`; it stays open while its subdirectories are walked.
        func visit(_ fd: Int32, _ path: String, depth: Int) {
            guard seen < maxEntries else { return }
            let entries = (try? SafePath.typedEntries(fd, display: path, limit: maxEntries - seen)) ?? []
            seen += entries.count
            for entry in entries.sorted(by: { $0.name < $1.name }) {
                let name = entry.name, type = entry.type
                let child = path + "/" + name
                let unknown = type == UInt8(DT_UNKNOWN)
                if type == UInt8(DT_DIR) || (unknown && !name.hasSuffix(".log") && isDirectory(fd, name)) {
                    guard depth < maxDepth && !skipped.contains(name) else { continue }
                    willEnter?(child)
                    let sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
                    guard sub >= 0 else { continue }  // a link now (ELOOP), gone, or not ours to read
                    visit(sub, child, depth: depth + 1)
                    close(sub)
                    continue
                }
                guard name.hasSuffix(".log"), type == UInt8(DT_REG) || unknown else { continue }
                var st = stat()
                guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFREG,
                      Int64(st.st_size) >= LogStorageFacts.reportedBytes else { continue }
                walk.logs.append((String(child.dropFirst(root.count)), Int64(st.st_size)))
            }
        }
        withExtendedLifetime(top) { visit(top.fd, dir, depth: 1) }
        return walk
    }

    /// For filesystems whose readdir does not give entry types: `name` in the open directory `fd`, not followed.
    static func isDirectory(_ fd: Int32, _ name: String) -> Bool {
        var st = stat()
        return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
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
