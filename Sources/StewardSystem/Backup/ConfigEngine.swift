import Foundation
import StewardCore

/// Config snapshots (env files, unit file and drop-ins): each file copied, bounded and regular only, into a private
/// directory (``ConfigSnapshot``) that tar archives; restored file by file, never through another user's link, then
/// `systemctl daemon-reload`. Verified as a directory backup is.
struct ConfigEngine: BackupEngine {
    var kind: BackupSource.Kind { .config }

    func backup(_ source: BackupSource, to partial: String, in context: BackupEngineContext) async throws -> BackupEngineCount {
        // The private directory is next to the partial file and named after it, so a crash leaves it to the
        // stale-partial clean-up; the member names are the files' paths, as before.
        let store = try SafePath.openDirectory(context.host((partial as NSString).deletingLastPathComponent))
        let (name, staging) = try SafePath.makePrivateDirectory(in: store.fd, prefix: URL(fileURLWithPath: partial).lastPathComponent + ".config-", display: store.path)
        defer {
            close(staging)
            try? SafeRemove.remove(name, in: store.fd)
        }
        try ConfigSnapshot.stage(source.files, root: context.files.hostPath(""), into: staging, display: store.path + "/" + name)
        let entries = source.files.map { SafePath.components($0).joined(separator: "/") }
        let contents = try await FilesEngine.archive(parent: store.path + "/" + name, entries: entries, exclude: [], to: partial, in: context)
        return { contents }
    }

    func verify(_ record: BackupRecord, source: BackupSource?, scratch: String, quick: Bool,
                checksum: @escaping @Sendable () async throws -> Void, in context: BackupEngineContext) async throws -> (contents: BackupContents, how: String) {
        try await checksum()
        return (try await FilesEngine.extractAndCount(record.path, into: scratch, in: context), "extracted into a scratch directory")
    }

    func nothingToSave(_ source: BackupSource, in context: BackupEngineContext) throws -> String? { nil }

    /// Keeps nothing aside: a failure (even halfway, some files written) is undone by restoring the safety backup.
    func restore(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) async throws -> RestoreUndo {
        let scratch = try SafePath.openDirectory(context.host(try context.scratchDirectory()))
        let (name, staging) = try SafePath.makePrivateDirectory(in: scratch.fd, prefix: "restore-config-\(getpid())-", display: scratch.path)
        defer {
            close(staging)
            try? SafeRemove.remove(name, in: scratch.fd)
        }
        try await context.tools.run(Tar.extract(archive: context.host(record.path), into: SafePath.procPath(staging)))
        _ = try ConfigSnapshot.install(from: scratch.path + "/" + name, root: context.files.hostPath(""))
        try await context.tools.run(Systemctl.daemonReload())
        return RestoreUndo()
    }

    func restoreSteps(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) throws -> [RestoreService.Step] {
        [RestoreService.Step(title: "extract #\(record.id) into a private directory of the store, then write back \(source.files.joined(separator: ", ")) one by one (a new file renamed over the old, never through another user's link)",
                             commands: [Tar.extract(archive: context.host(record.path), into: context.host("\(context.store)/.scratch/restore-config-…")), Systemctl.daemonReload()])]
    }
}
