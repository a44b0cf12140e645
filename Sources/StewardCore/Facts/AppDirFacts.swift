/// A service's working directory: ownership, virtualenv and git release state.
public struct AppDirFacts: Sendable, Codable, Equatable {
    public var path: String
    public var exists: Bool
    public var owner: String
    public var group: String
    public var mode: Int
    public var venv: VenvFacts?
    public var git: GitFacts?
    /// Why the git state could not be read, when the directory is a checkout but git failed.
    public var gitUnknown: String?

    public init(path: String, exists: Bool, owner: String = "", group: String = "", mode: Int = 0,
                venv: VenvFacts? = nil, git: GitFacts? = nil) {
        self.path = path
        self.exists = exists
        self.owner = owner
        self.group = group
        self.mode = mode
        self.venv = venv
        self.git = git
    }

    public var modeString: String { FileMode.octal(mode) }
    public var isWorldWritable: Bool { mode & 0o002 != 0 }
}

/// A Python virtualenv found in an app directory, read from its `pyvenv.cfg` without starting Python.
public struct VenvFacts: Sendable, Codable, Equatable {
    public var path: String
    /// `version` from `pyvenv.cfg`, e.g. `3.10.12`.
    public var pythonVersion: String?
    /// The base interpreter directory (`home =`) and whether it still exists: an OS upgrade that removes it
    /// breaks the venv silently.
    public var home: String?
    public var homeInterpreterExists: Bool
    public var pythonExists: Bool

    public init(path: String, pythonVersion: String?, home: String?, homeInterpreterExists: Bool, pythonExists: Bool) {
        self.path = path
        self.pythonVersion = pythonVersion
        self.home = home
        self.homeInterpreterExists = homeInterpreterExists
        self.pythonExists = pythonExists
    }
}

/// Release state of a git checkout.
public struct GitFacts: Sendable, Codable, Equatable {
    /// Branch name, or nil when HEAD is detached.
    public var branch: String?
    /// The tag HEAD is exactly at, if any.
    public var tag: String?
    public var commit: String
    public var modified: [String]
    public var untracked: [String]
    /// Upstream tracking: commits ahead of and behind `@{upstream}`, when there is one.
    public var ahead: Int?
    public var behind: Int?

    public init(branch: String?, tag: String?, commit: String, modified: [String] = [], untracked: [String] = [],
                ahead: Int? = nil, behind: Int? = nil) {
        self.branch = branch
        self.tag = tag
        self.commit = commit
        self.modified = modified
        self.untracked = untracked
        self.ahead = ahead
        self.behind = behind
    }

    public var shortCommit: String { String(commit.prefix(7)) }
    public var isDirty: Bool { !modified.isEmpty }
    /// What runs, as an operator says it: `tag v1.2`, `branch main`, or `detached at 6c618bc`.
    public var describe: String {
        if let tag { return "tag \(tag)" }
        if let branch { return "branch \(branch)" }
        return "detached at \(shortCommit)"
    }
}
