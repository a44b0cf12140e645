/// Command lines of a deploy. Steward runs as root over checkouts and venvs the app's user owns, so the commands
/// that write there run as that user (``Command/asUser(_:)``), and git is always told to trust the directory and
/// run none of its programs.
extension Git {
    /// `git fetch --tags --force --prune REMOTE`: tags moved on the remote are taken as they are now.
    public static func fetch(dir: String, remote: String) -> Command {
        git(dir, ["fetch", "--quiet", "--tags", "--force", "--prune", "--", remote])
    }

    /// Branches and tags of a bare clone, as they are on its origin now.
    public static func fetchMirror(dir: String) -> Command {
        git(dir, ["fetch", "--quiet", "--tags", "--force", "--prune", "--", "origin", "+refs/heads/*:refs/heads/*"])
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
        git(dir, ["ls-remote", "--", remote, "refs/tags/" + ref, "refs/tags/" + ref + "^{}", "refs/heads/" + ref])
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

    /// A clone without a working tree, for the `releases` strategy's cache.
    public static func cloneBare(from repository: String, into dir: String) -> Command {
        Command("git", ["-c", "safe.directory=*", "clone", "--quiet", "--bare", "--", repository, dir])
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

/// pip, through the venv's interpreter.
public enum Pip {
    public static func install(venv: String, requirements: String, extra: [String]) -> Command {
        Command(venv + "/bin/python", ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"]
                + extra + ["-r", requirements])
    }
}

/// Django's `manage.py`, through the venv's interpreter.
public enum Django {
    static func manage(_ venv: String, _ args: [String]) -> Command {
        Command(venv + "/bin/python", ["manage.py"] + args)
    }

    /// Applied `[X]` and pending `[ ]` migrations in order.
    public static func showPlan(venv: String) -> Command { manage(venv, ["showmigrations", "--plan", "--no-color"]) }
    public static func migrate(venv: String) -> Command { manage(venv, ["migrate", "--noinput", "--no-color"]) }
    /// `migrate TARGET` for a declared downgrade is the user's command; this is the forward one.
    public static func collectStatic(venv: String) -> Command { manage(venv, ["collectstatic", "--noinput", "--no-color"]) }
}

/// Alembic, from the venv.
public enum Alembic {
    public static func current(venv: String) -> Command { Command(venv + "/bin/alembic", ["current"]) }
    public static func heads(venv: String) -> Command { Command(venv + "/bin/alembic", ["heads"]) }
    public static func upgradeHead(venv: String) -> Command { Command(venv + "/bin/alembic", ["upgrade", "head"]) }
}

extension Systemctl {
    public static func restart(_ units: [String]) -> Command { Command("systemctl", ["restart", "--"] + units) }
    public static func reload(_ units: [String]) -> Command { Command("systemctl", ["reload", "--"] + units) }
    /// Clears a unit's failed state and its start counter: a deploy's restart is intended, and must not be refused
    /// because the unit started often in the last 10 s (`StartLimitBurst=`), as rapid deploys and rollbacks do.
    public static func resetFailed(_ units: [String]) -> Command { Command("systemctl", ["reset-failed", "--"] + units) }
}

extension Journalctl {
    /// A unit's lines since an instant (`@EPOCH`): the journal of a failed release since its restart.
    public static func since(unit: String, epochSeconds: Int, lines: Int = 200) -> Command {
        Command("journalctl", ["--no-pager", "-u", unit, "--since", "@\(epochSeconds)", "-n", String(lines), "-o", "short-iso"])
    }
}

extension Nginx {
    /// `nginx -t -q`, then `systemctl reload nginx`: the seeds' `nginx -t && systemctl reload nginx`.
    public static func reload() -> Command { Command("systemctl", ["reload", "--", "nginx.service"]) }
}
