import Foundation
import StewardCore

/// The `releases` strategy: a bare clone as a cache, one directory per release filled by `git archive`, shared
/// paths linked into `shared/`, and a `current` symlink replaced by one `rename(2)`, so the app never sees a
/// half-switched tree.
extension DeployEngine {
    var baseOwner: String? { StoreFiles.ownerName(of: target.directory) }

    func asOwner(_ command: Command) -> Command { baseOwner.map { command.asUser($0) } ?? command }

    func prepareReleaseDirectory() async throws -> StepOutcome {
        let cache = target.cacheRepository
        if !FileManager.default.fileExists(atPath: cache) {
            guard let repository = target.spec.repository else {
                throw StoreError("the releases strategy needs deploy.repository (the URL or path to clone)")
            }
            try await tools.run(asOwner(Git.cloneBare(from: repository, into: cache)), timeout: .seconds(1800))
        } else {
            try await tools.run(asOwner(Git.fetchMirror(dir: cache)), timeout: .seconds(600))
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
        let name = ReleaseRetention.name(ref: record.ref, stamp: formatter.string(from: Date()))
        let dir = target.releasesDirectory + "/" + name
        let archive = target.directory + "/.steward-release-\(getpid()).tar"
        defer { StoreFiles.removeQuietly(archive) }
        // The releases directory may exist; the release's own must not (never extract over a release).
        try await tools.run(asOwner(Command("mkdir", ["-p", "--", target.releasesDirectory])), timeout: .seconds(60))
        // Recorded before it exists: an undo removes this directory and no other.
        record.release = dir
        record.createdRelease = dir
        try state.updateDeploy(record)
        try await tools.run(asOwner(Command("mkdir", ["--", dir])), timeout: .seconds(60))
        try await tools.run(asOwner(Git.archive(dir: cache, commit: commit, output: archive)), timeout: .seconds(1800))
        try await tools.run(asOwner(Tar.extractRelease(archive: archive, into: dir)), timeout: .seconds(1800))
        for path in target.spec.shared {
            let inRelease = dir + "/" + path
            // As the owner: a link the repository ships must not make root delete elsewhere.
            try await tools.run(asOwner(Command("rm", ["-rf", "--", inRelease])), timeout: .seconds(60))
            let parent = (inRelease as NSString).deletingLastPathComponent
            try await tools.run(asOwner(Command("mkdir", ["-p", "--", parent])), timeout: .seconds(60))
            try await tools.run(asOwner(Command("ln", ["-sfn", "--", target.sharedDirectory + "/" + path, inRelease])), timeout: .seconds(60))
        }
        return .done("release \(name) from \(record.ref) (\(record.shortCommit))\(target.spec.shared.isEmpty ? "" : "; shared: \(target.spec.shared.joined(separator: ", "))")")
    }

    /// Points `current` at `release` atomically: a new link under a temporary name, renamed over the old one.
    func switchCurrent(to release: String) throws {
        let relative = release.hasPrefix(target.directory + "/") ? String(release.dropFirst(target.directory.count + 1)) : release
        let temporary = target.directory + "/.current-steward-\(getpid())"
        unlink(temporary)
        guard symlink(relative, temporary) == 0 else { throw StoreError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        if let owner = StoreFiles.owner(target.directory) { lchown(temporary, owner.uid, owner.gid) }
        guard rename(temporary, target.currentLink) == 0 else {
            unlink(temporary)
            throw StoreError("cannot switch \(target.currentLink): \(String(cString: strerror(errno)))")
        }
        try? StoreFiles.sync(target.directory)
    }

    /// Deletes releases beyond `keep`, never the running one nor the previous good one.
    func pruneReleases() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: target.releasesDirectory)) ?? []
        let name = { (path: String?) in path.map { URL(fileURLWithPath: $0).lastPathComponent } }
        let doomed = ReleaseRetention.toDelete(releases: names, keep: target.spec.keep, current: name(record.release), previousGood: name(record.previousRelease))
        for release in doomed {
            StoreFiles.removeQuietly(target.releasesDirectory + "/" + release)
        }
        if !doomed.isEmpty { say("  removed \(doomed.count) old release(s): \(doomed.joined(separator: ", "))") }
    }
}
