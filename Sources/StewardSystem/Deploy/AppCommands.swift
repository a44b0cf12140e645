import Foundation
import StewardCore

/// Turns a deploy's commands into what runs: git as the checkout's owner, the app's tools (pip, `manage.py`,
/// alembic, build steps, hooks) as the app's user in its directory with its environment. Root never writes into
/// the app's tree, so no file there ends up owned by root.
struct AppCommands: Sendable {
    let target: DeployTarget

    /// `git …` as the owner of the directory git works in.
    func git(_ command: Command) -> Command {
        // The releases cache may not exist yet: then its parent's owner (never root inside the app's tree).
        let owner = FileManager.default.fileExists(atPath: target.gitDirectory) ? StoreFiles.ownerName(of: target.gitDirectory) : StoreFiles.ownerName(of: target.directory)
        return owner.map { command.asUser($0) } ?? command
    }

    /// A tool of the app, run in `directory` as the app's user with the app's environment.
    func app(_ command: Command, in directory: String, extra: [String: String] = [:]) -> Command {
        var c = command.inApp(directory: directory, environment: target.environment)
        c.environment.merge(extra) { _, new in new }
        if target.venv != nil { c.environment["VIRTUAL_ENV"] = target.venv }
        if let user = target.user, user != "root" { return c.asUser(user) }
        return c
    }

    /// A declared command: `python` and `pip` mean the venv's; anything else as written (a path in the repo
    /// like `./bin/migrate` is relative to the workdir).
    func declared(_ argv: [String], in directory: String) -> Command {
        var argv = argv
        if let venv = target.venv, let first = argv.first, ["python", "python3", "pip", "alembic", "gunicorn"].contains(first) {
            argv[0] = venv + "/bin/" + first
        } else if let first = argv.first, first.hasPrefix("./") {
            argv[0] = directory + "/" + first.dropFirst(2)
        }
        return app(Command(argv[0], Array(argv.dropFirst())), in: directory)
    }
}
