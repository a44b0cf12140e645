import Foundation
import StewardCore

extension DeployEngine {
    /// `git fetch` (or `ls-remote`) of the checkout's remote as its owner. When the remote is a name whose URL in
    /// the repository's config holds credentials (`https://user:token@host/…`), they are kept out of every argv,
    /// git's own `git-remote-http` included (``Git/withConfiguredRemote(_:url:)``).
    func remoteCommand(_ command: Command, dir: String, remote name: String? = nil) async throws -> Command {
        let remote = name ?? target.spec.remote
        guard !remote.contains(":"), files.exists(dir),
              let url = try? await tools.run(commands.git(Git.remoteURL(dir: dir, name: remote)), timeout: .seconds(30)).stdout
                  .trimmingCharacters(in: .whitespacesAndNewlines),
              URLCredentials(url) != nil
        else { return try commands.git(command) }
        return try commands.git(Git.withConfiguredRemote(command, url: url))
    }
}
