import Foundation
import StewardCore

/// The `releases` strategy: a bare clone as a cache, one directory per release filled by `git archive`, shared
/// paths linked into `shared/`, and a `current` symlink replaced by one `rename(2)`, so the app never sees a
/// half-switched tree.
extension DeployEngine {
    /// A command in the releases tree, as the owner of its base directory: root only in root's own tree, and
    /// never as root in a tree whose owner has no account (root would follow the links its owner plants there).
    func asOwner(_ command: Command) throws -> Command {
        guard let owner = files.status(target.directory) else {
            throw StoreError("\(target.directory): cannot look at it (\(StoreFiles.errnoText()))")
        }
        if owner.uid == 0 { return command }
        guard let name = Account.name(of: owner.uid) else {
            throw StoreError("\(target.directory) is owned by uid \(owner.uid), which has no account: Steward does not work in it as root (fix: chown it to the app's user)")
        }
        return command.asUser(name)
    }

    func prepareReleaseDirectory() async throws -> StepOutcome {
        let cache = target.cacheRepository
        if !files.exists(cache) {
            guard let repository = target.spec.repository else {
                throw StoreError("the releases strategy needs deploy.repository (the URL or path to clone)")
            }
            try await tools.run(commands.git(Git.cloneBare(from: repository, into: cache)), timeout: .seconds(1800))
        } else {
            // git writes the release archive into the base directory: a cache of another owner (root's, in an app's
            // tree) would have root write where the app's user can plant a link.
            if let cacheOwner = files.status(cache)?.uid, let baseOwner = files.status(target.directory)?.uid, cacheOwner != baseOwner {
                throw StoreError("\(cache) is owned by uid \(cacheOwner) but \(target.directory) by uid \(baseOwner): Steward does not run git for a tree of two owners (fix: chown -R the cache to the base directory's owner)")
            }
            try await tools.run(remoteCommand(Git.fetchMirror(dir: cache, repository: target.spec.repository), dir: cache, remote: "origin"), timeout: .seconds(600))
        }
        // A rollback archives the commit it recorded, whatever its ref names now.
        let commit: String
        if record.kind == .rollback, !record.commit.isEmpty {
            commit = record.commit
        } else {
            guard let resolved = try await resolveRef(record.ref, fetch: true).commit else { throw StoreError("\(record.ref) is not in the repository after fetching") }
            if let expected = record.expectedCommit, expected != resolved {
                throw StoreError("\(record.ref) names \(resolved.prefix(12)) after fetching, not \(expected.prefix(12)) as where it is promoted from")
            }
            commit = resolved
        }
        record.commit = commit
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss.SSS"
        let name = ReleaseRetention.name(ref: record.ref, stamp: formatter.string(from: now()))
        let dir = target.releasesDirectory + "/" + name
        let archive = target.directory + "/.steward-release-\(getpid()).tar"
        defer { files.removeQuietly(archive) }
        // The releases directory may exist; the release's own must not (never extract over a release).
        try await tools.run(try asOwner(Command("mkdir", ["-p", "--", target.releasesDirectory])), timeout: .seconds(60))
        // Recorded before it exists: an undo removes this directory and no other.
        record.release = dir
        record.createdRelease = dir
        try state.updateDeploy(record)
        try await tools.run(try asOwner(Command("mkdir", ["--", dir])), timeout: .seconds(60))
        try await tools.run(commands.git(Git.archive(dir: cache, commit: commit, output: archive)), timeout: .seconds(1800))
        try await tools.run(try asOwner(Tar.extractRelease(archive: archive, into: dir)), timeout: .seconds(1800))
        for path in target.spec.shared {
            let inRelease = dir + "/" + path
            // As the owner: a link the repository ships must not make root delete elsewhere.
            try await tools.run(try asOwner(Command("rm", ["-rf", "--", inRelease])), timeout: .seconds(60))
            let parent = (inRelease as NSString).deletingLastPathComponent
            try await tools.run(try asOwner(Command("mkdir", ["-p", "--", parent])), timeout: .seconds(60))
            try await tools.run(try asOwner(Command("ln", ["-sfn", "--", target.sharedDirectory + "/" + path, inRelease])), timeout: .seconds(60))
        }
        return .done("release \(name) from \(record.ref) (\(record.shortCommit))\(target.spec.shared.isEmpty ? "" : "; shared: \(target.spec.shared.joined(separator: ", "))")")
    }

    /// Points `current` at `release` atomically: a new link under a temporary name, renamed over the old one.
    func switchCurrent(to release: String) throws {
        let relative = release.hasPrefix(target.directory + "/") ? String(release.dropFirst(target.directory.count + 1)) : release
        try files.replaceLink(target.currentLink, with: relative, temporary: target.directory + "/.current-steward-\(getpid())")
    }

    /// Deletes releases beyond `keep`, never the running one nor the previous good one.
    func pruneReleases() {
        let names = (try? files.list(target.releasesDirectory)) ?? []
        let name = { (path: String?) in path.map { URL(fileURLWithPath: $0).lastPathComponent } }
        let doomed = ReleaseRetention.toDelete(releases: names, keep: target.spec.keep, current: name(record.release), previousGood: name(record.previousRelease))
        for release in doomed {
            // Root, in the app's tree: never FileManager.removeItem, which re-resolves paths the owner can swap.
            files.removeQuietly(target.releasesDirectory + "/" + release)
        }
        if !doomed.isEmpty { say("  removed \(doomed.count) old release(s): \(doomed.joined(separator: ", "))") }
    }
}
