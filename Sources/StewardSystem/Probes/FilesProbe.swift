import Foundation
import StewardCore

/// Env files and app directories: ownership and modes from `stat`, env keys from the file, venvs from
/// `pyvenv.cfg`, release state from git.
public enum FilesProbe {
    public static func envFiles(_ ctx: ProbeContext, paths: [String]) -> [EnvFileFacts] {
        paths.map { path in
            let info = ctx.files.info(path)
            guard info.exists else { return EnvFileFacts(path: path, exists: false) }
            if info.denied { return EnvFileFacts(path: path, exists: true, unreadableReason: "\(path): permission denied") }
            var facts = EnvFileFacts(path: path, exists: true, owner: info.owner, group: info.group, mode: info.mode)
            do {
                let pairs = EnvFileParser.parse(try ctx.files.read(path))
                facts.keys = pairs.map(\.key)
                for (k, v) in pairs { facts.values[k] = Secret(v) }
            } catch {
                facts.unreadableReason = String(describing: error)
            }
            return facts
        }
    }

    public static func appDir(_ ctx: ProbeContext, path: String) async -> AppDirFacts {
        let info = ctx.files.info(path)
        guard info.exists else { return AppDirFacts(path: path, exists: false) }
        var facts = AppDirFacts(path: path, exists: true, owner: info.owner, group: info.group, mode: info.mode)
        facts.venv = venv(ctx.files, dir: path)
        if ctx.files.exists(path + "/.git") {
            do {
                facts.git = try await git(ctx, dir: path)
            } catch {
                facts.gitUnknown = String(describing: error)
            }
        }
        return facts
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
