import Foundation
import StewardCore

/// Turns a deploy's commands into what runs: git as the checkout's owner, the app's tools (pip, `manage.py`,
/// alembic, build steps, hooks) as the app's user in its directory with its environment. Root never writes into
/// the app's tree, so no file there ends up owned by root.
struct AppCommands: Sendable {
    let target: DeployTarget
    /// Where the checkout's owner is read (the deploy's file system).
    var files: any DeployFileSystem = HostDeployFiles()

    /// `git …` as the owner of the repository git works in (root only in a tree only root can write); refused
    /// when that owner cannot be told (a uid with no account, a `.git` owned by another user).
    func git(_ command: Command) throws -> Command {
        // The releases cache may not exist yet: then the base directory's owner (never root inside the app's tree).
        let runAs = GitRunAs.forCheckout(files.exists(target.gitDirectory) ? target.gitDirectory : target.directory) { path in
            files.status(path).map { GitRunAs.Owned(path: path, uid: $0.uid, mode: Int($0.mode)) }
        }
        guard let wrapped = runAs.wrap(command) else { throw StoreError("git not run: " + (runAs.refusal ?? "no owner")) }
        return wrapped
    }

    /// The user the app's code runs as: `deploy.user`, else the unit's `User=`. Never root: the release's files
    /// (a migration, `manage.py`, a hook, a `setup.py` pip runs) are the app user's to write, so running them as root
    /// would hand root to that user. Without one, app-code steps are refused with the fix.
    func appUser() throws -> String {
        guard let user = target.user, !user.isEmpty, user != "root", user != "0", getpwnam(user).map({ $0.pointee.pw_uid != 0 }) ?? true else {
            throw StoreError("\(target.label) has no app user to run its code as (its unit runs as root and apps.\(target.app).deploy.user is not set); "
                             + "Steward never runs pip, migrations, build steps or hooks as root: set apps.\(target.app).deploy.user (or User= in the unit)")
        }
        return user
    }

    /// `command` as the app's user (refused when that would be root).
    func asAppUser(_ command: Command) throws -> Command {
        command.asUser(try appUser())
    }

    /// A tool of the app, run in `directory` as the app's user with the app's environment.
    func app(_ command: Command, in directory: String, extra: [String: String] = [:]) throws -> Command {
        var c = command.inApp(directory: directory, environment: target.environment)
        c.environment.merge(extra) { _, new in new }
        if target.venv != nil { c.environment["VIRTUAL_ENV"] = target.venv }
        return try asAppUser(c)
    }

    /// A declared command: `python` and `pip` mean the venv's; anything else as written (a path in the repo
    /// like `./bin/migrate` is relative to the workdir).
    func declared(_ argv: [String], in directory: String) throws -> Command {
        var argv = argv
        if let venv = target.venv, let first = argv.first, ["python", "python3", "pip", "alembic", "gunicorn"].contains(first) {
            argv[0] = venv + "/bin/" + first
        } else if let first = argv.first, first.hasPrefix("./") {
            argv[0] = directory + "/" + first.dropFirst(2)
        }
        return try app(Command(argv[0], Array(argv.dropFirst())), in: directory)
    }
}
