import Foundation
import StewardCore

/// Env files and app directories: ownership and modes from `stat`, env keys from the file, venvs from
/// `pyvenv.cfg`, release state from git.
public enum FilesProbe {
    /// The files are stat'ed and read on the ``BlockingCall`` pool (one call per mount, the mounts side by side)
    /// and waited for at most the context's command timeout: a file on a mount that stopped answering is in
    /// `unanswered` (and unreadable with that reason in `files`), and neither stalls Swift's cooperative pool nor the
    /// files of other mounts.
    public static func envFiles(_ ctx: ProbeContext, paths: [String]) async -> (files: [EnvFileFacts], unanswered: [String]) {
        let files = ctx.files
        let answers = await BlockingCall.run(each: paths.map(files.path), timeout: ctx.commandTimeout) { hostPath in
            envFile(files, String(hostPath.dropFirst(files.root.count)))
        }
        let facts = zip(paths, answers).map { path, facts in
            facts ?? EnvFileFacts(path: path, exists: true, unreadableReason: "\(path): " + didNotAnswer(ctx))
        }
        return (facts, zip(paths, answers).filter { $0.1 == nil }.map(\.0))
    }

    /// Why a path's facts are missing: "did not answer within 10.0 s".
    static func didNotAnswer(_ ctx: ProbeContext) -> String { "did not answer within \(BlockingCall.seconds(ctx.commandTimeout))" }

    /// - Parameter read: how the text is read (a compose project's `.env` in its owner's tree: without following a link).
    static func envFile(_ files: HostFiles, _ path: String, read: ((String) throws -> String)? = nil) -> EnvFileFacts {
        let info = files.info(path)
        guard info.exists else { return EnvFileFacts(path: path, exists: false) }
        if info.denied { return EnvFileFacts(path: path, exists: true, unreadableReason: "\(path): permission denied") }
        var facts = EnvFileFacts(path: path, exists: true, owner: info.owner, group: info.group, mode: info.mode)
        do {
            let pairs = EnvFileParser.parse(try read?(path) ?? files.read(path))
            facts.keys = pairs.map(\.key)
            for (k, v) in pairs { facts.values[k] = Secret(v) }
        } catch {
            facts.unreadableReason = String(describing: error)
        }
        return facts
    }

    /// ``appDirs(_:paths:)`` of one directory.
    public static func appDir(_ ctx: ProbeContext, path: String) async -> AppDirFacts? {
        await appDirs(ctx, paths: [path])[0]
    }

    /// Each directory's stat, venv and whether it is a checkout come from the ``BlockingCall`` pool (one call per
    /// mount), waited for at most the command timeout; git runs as a process with its own timeout, the checkouts
    /// side by side. Nil for a directory that did not answer in time (a hung mount): the probe reports it, rather
    /// than facts that would read as missing or owned by no one.
    public static func appDirs(_ ctx: ProbeContext, paths: [String]) async -> [AppDirFacts?] {
        let files = ctx.files
        let stats = await BlockingCall.run(each: paths.map(files.path), timeout: ctx.commandTimeout) { hostPath -> (AppDirFacts, Bool) in
            let path = String(hostPath.dropFirst(files.root.count))
            let info = files.info(path)
            guard info.exists else { return (AppDirFacts(path: path, exists: false), false) }
            var facts = AppDirFacts(path: path, exists: true, owner: info.owner, group: info.group, mode: info.mode)
            facts.venv = venv(files, dir: path)
            return (facts, files.exists(path + "/.git"))
        }
        return await withTaskGroup(of: (Int, AppDirFacts?).self) { group in
            for (i, stat) in stats.enumerated() {
                group.addTask {
                    guard case (var facts, let checkout)? = stat else { return (i, nil) }
                    if checkout {
                        do {
                            facts.git = try await git(ctx, dir: facts.path)
                        } catch {
                            facts.gitUnknown = String(describing: error)
                        }
                    }
                    return (i, facts)
                }
            }
            var out = [AppDirFacts?](repeating: nil, count: stats.count)
            for await (i, facts) in group { out[i] = facts }
            return out
        }
    }

    static func venv(_ f: HostFiles, dir: String) -> VenvFacts? {
        for name in [".venv", "venv", "env"] {
            let path = "\(dir)/\(name)"
            guard let cfg = f.readIfPresent("\(path)/pyvenv.cfg") else { continue }
            var values: [String: String] = [:]
            for line in cfg.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2 { values[parts[0]] = parts[1] }
            }
            let version = values["version"] ?? values["version_info"].map { $0.split(separator: ".").prefix(3).joined(separator: ".") }
            let home = values["home"]
            return VenvFacts(path: path, pythonVersion: version, home: home,
                             homeInterpreterExists: home.map { f.exists("\($0)/python3") || f.exists("\($0)/python") } ?? false,
                             pythonExists: f.exists("\(path)/bin/python"))
        }
        return nil
    }

    /// git as the checkout's owner (root only in a tree only root can write), or not at all: the reason becomes
    /// the app directory's `gitUnknown`.
    static func git(_ ctx: ProbeContext, dir: String) async throws -> GitFacts {
        let checkout = ctx.files.path(dir)
        let runAs = GitRunAs.forCheckout(checkout)
        guard let statusCommand = runAs.wrap(Git.statusPorcelain(dir: checkout)), let tagsCommand = runAs.wrap(Git.tagsAtHead(dir: checkout)) else {
            // What HEAD names is still told, read as a bounded file.
            let head = (try? BoundedFile.text(checkout + "/.git/HEAD", limit: 4096)).flatMap(GitStatusParser.head(fromFile:))
            throw ProbeFailure("git not run: " + (runAs.refusal ?? "no owner") + (head.map { " (HEAD: \($0))" } ?? ""))
        }
        async let status = ctx.output(statusCommand)
        async let tags = ctx.output(tagsCommand)
        let tagList = (try? await tags)?.split(separator: "\n").map(String.init) ?? []
        return GitStatusParser.parse(try await status, tags: tagList)
    }
}
