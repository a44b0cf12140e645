/// `git` command lines. git runs programs that a repository's own config and attributes name (clean/smudge
/// filters, `core.fsmonitor`, hooks, textconv, `core.sshCommand`), so Steward never runs git as root in a tree
/// someone else can write: ``GitRunAs`` decides who runs it, and these builders only say what runs. git's own
/// ownership guard (CVE-2022-24765) stays on: no `safe.directory=*`. `core.fsmonitor` is still forced off, so
/// a status never starts a daemon, even as the owner.
public enum Git {
    /// Options every git command gets.
    public static let options = ["-c", "core.fsmonitor=false", "-c", "core.quotepath=off"]

    static func git(_ dir: String, _ args: [String], credentials: URLCredentials? = nil) -> Command {
        credentials.map { with($0, Command("git", options + $0.gitOptions + ["-C", dir] + args)) }
            ?? Command("git", options + ["-C", dir] + args)
    }

    /// The command with the credentials in the environment of this one command (``URLCredentials/gitOptions``).
    static func with(_ credentials: URLCredentials, _ command: Command) -> Command {
        var c = command
        c.secretEnvironment.merge(credentials.gitEnvironment) { _, new in new }
        return c
    }

    /// Branch, commit, upstream and changed files in one call.
    public static func statusPorcelain(dir: String) -> Command {
        git(dir, ["status", "--porcelain=v2", "--branch", "--untracked-files=normal"])
    }

    /// Tags that point exactly at HEAD, highest version first (`v1.10` before `v1.9`).
    public static func tagsAtHead(dir: String) -> Command { git(dir, ["tag", "--points-at", "HEAD", "--sort=-version:refname"]) }

    /// `git fetch --tags --force --prune REMOTE`: tags moved on the remote are taken as they are now. A remote
    /// URL's credentials never reach argv (see ``URLCredentials``).
    public static func fetch(dir: String, remote: String) -> Command {
        let credentials = URLCredentials(remote)
        return git(dir, ["fetch", "--quiet", "--tags", "--force", "--prune", "--", credentials?.url ?? remote], credentials: credentials)
    }

    /// `git config --get remote.NAME.url`: the URL a fetch of the remote `NAME` uses, read to take credentials
    /// out of it (``withConfiguredRemote(_:url:)``).
    public static func remoteURL(dir: String, name: String) -> Command {
        git(dir, ["config", "--get", "remote.\(name).url"])
    }

    /// A fetch or ls-remote of a remote named in the repository's config, whose URL there holds credentials: git
    /// would hand that URL to `git-remote-http` in argv. For this command only, `url.<bare URL>.insteadOf` (given
    /// through `GIT_CONFIG_COUNT` in the environment, never argv) makes git use the URL without them, and the
    /// credential helper of ``URLCredentials`` offers them.
    public static func withConfiguredRemote(_ command: Command, url: String) -> Command {
        guard let credentials = URLCredentials(url), command.arguments.starts(with: options) else { return command }
        var c = with(credentials, command)
        c.arguments = options + credentials.gitOptions + c.arguments.dropFirst(options.count)
        c.secretEnvironment.merge(["GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "url.\(credentials.url).insteadOf", "GIT_CONFIG_VALUE_0": url]) { _, new in new }
        return c
    }

    /// Branches and tags of a bare clone, as they are on its origin now; `repository` (the manifest's URL) gives
    /// the credentials its clone was made without.
    public static func fetchMirror(dir: String, repository: String? = nil) -> Command {
        git(dir, ["fetch", "--quiet", "--tags", "--force", "--prune", "--", "origin", "+refs/heads/*:refs/heads/*"],
            credentials: repository.flatMap(URLCredentials.init))
    }

    /// The commit a ref names, or exit 1 (`--verify --quiet`; `^{commit}` peels an annotated tag).
    public static func resolve(dir: String, ref: String) -> Command {
        git(dir, ["rev-parse", "--verify", "--quiet", "--end-of-options", ref + "^{commit}"])
    }

    /// Whether the ref is a tag: `refs/tags/REF` exists.
    public static func tagExists(dir: String, ref: String) -> Command {
        git(dir, ["rev-parse", "--verify", "--quiet", "--end-of-options", "refs/tags/" + ref])
    }

    /// Remote refs named `ref` (tags and branches), read without changing the checkout: the dry-run's view.
    public static func lsRemote(dir: String, remote: String, ref: String) -> Command {
        let credentials = URLCredentials(remote)
        return git(dir, ["ls-remote", "--", credentials?.url ?? remote, "refs/tags/" + ref, "refs/tags/" + ref + "^{}", "refs/heads/" + ref],
                   credentials: credentials)
    }

    /// The commit checked out.
    public static func head(dir: String) -> Command { git(dir, ["rev-parse", "--verify", "HEAD"]) }

    /// Tags pointing at a commit, highest version first.
    public static func tags(at commit: String, dir: String) -> Command {
        git(dir, ["tag", "--points-at", commit, "--sort=-version:refname"])
    }

    /// `git checkout --detach COMMIT`: a release is a commit, never a branch that moves.
    public static func checkout(dir: String, commit: String) -> Command {
        git(dir, ["checkout", "--quiet", "--detach", commit])
    }

    /// What a dirty tree holds, for the refusal: `git diff --stat` of tracked changes.
    public static func diffStat(dir: String) -> Command { git(dir, ["diff", "--stat", "HEAD"]) }

    /// A clone without a working tree, for the `releases` strategy's cache. The clone's `origin` is the URL
    /// without its credentials: they are never written into a file of the app's user.
    public static func cloneBare(from repository: String, into dir: String) -> Command {
        let credentials = URLCredentials(repository)
        let command = Command("git", options + (credentials?.gitOptions ?? []) + ["clone", "--quiet", "--bare", "--", credentials?.url ?? repository, dir])
        return credentials.map { with($0, command) } ?? command
    }

    /// The tree of `commit` as a tar file: how a release directory is filled, with no `.git` in it.
    public static func archive(dir: String, commit: String, output: String) -> Command {
        git(dir, ["archive", "--format=tar", "--output=" + output, commit])
    }

    /// The content of a file at a commit (the requirements of a release not checked out yet).
    public static func show(dir: String, commit: String, path: String) -> Command {
        git(dir, ["show", "\(commit):\(path)"])
    }

    /// Files that differ between two commits under `path`: whether the migrations changed.
    public static func changedFiles(dir: String, from: String, to: String) -> Command {
        git(dir, ["diff", "--name-only", from, to])
    }
}

/// Who runs git in a checkout, judged from who owns it: root only in a tree only root can write, else the
/// tree's owner (`runuser -u OWNER --`, which gives git the owner's HOME), else nobody (the reason is reported
/// and git is not run). A `.git` (or its `config`, `hooks`) owned by someone other than the worktree's owner
/// is refused: whoever runs git would run the other's programs.
public enum GitRunAs: Sendable, Equatable {
    case root
    case owner(String)
    case refused(String)

    /// A path's owner and permission bits, as `stat` gives them.
    public struct Owned: Sendable, Equatable {
        public var path: String
        public var uid: UInt32
        public var mode: Int
        public init(path: String, uid: UInt32, mode: Int) {
            self.path = path
            self.uid = uid
            self.mode = mode
        }
    }

    /// - Parameters:
    ///   - tree: the checkout (or the bare repository); nil when it cannot be looked at.
    ///   - gitFiles: what git reads its programs from, those that exist: `.git`, `.git/config`, `.git/hooks`.
    ///   - ownerName: the account name of `tree`'s owner, nil when the uid has none.
    public static func decide(tree: Owned?, gitFiles: [Owned], ownerName: String?) -> GitRunAs {
        guard let tree else { return .refused("the checkout cannot be looked at") }
        for file in gitFiles where file.uid != tree.uid {
            return .refused("\(file.path) is owned by uid \(file.uid) but \(tree.path) by uid \(tree.uid): git is not run in a tree with two owners")
        }
        if tree.uid == 0 {
            for file in gitFiles where file.mode & 0o022 != 0 {
                return .refused("\(file.path) is writable by others than root (mode \(FileMode.octal(file.mode))): root does not run git where others can plant its config")
            }
            return .root
        }
        guard let ownerName, !ownerName.isEmpty, ownerName != "root" else {
            return .refused("\(tree.path) is owned by uid \(tree.uid), which has no account: git is not run as root in it")
        }
        return .owner(ownerName)
    }

    /// The command as it runs: as the owner, as is (root's tree), or nil when refused.
    public func wrap(_ command: Command) -> Command? {
        switch self {
        case .root: command
        case .owner(let user): command.asUser(user)
        case .refused: nil
        }
    }

    public var refusal: String? { if case .refused(let why) = self { why } else { nil } }
}
