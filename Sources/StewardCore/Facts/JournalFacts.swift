/// What the journal says about one unit in the audit window.
public struct UnitLogFacts: Sendable, Codable, Equatable {
    public var unit: String
    public var lines: Int
    public var errorLines: Int
    public var tracebacks: Int
    /// Exception type → count, e.g. `StreamlitValueAssignmentNotAllowedError: 4`.
    public var exceptionTypes: [String: Int]
    public var workerTimeouts: Int
    public var csrfFailures: Int
    public var moduleNotFound: [String]
    /// systemd's own "Started"/"Stopped"/"Failed" messages for the unit.
    public var starts: Int
    public var stops: Int
    public var failures: Int
    /// A few representative lines (already scrubbed of credentials).
    public var samples: [String]

    public init(unit: String, lines: Int = 0, errorLines: Int = 0, tracebacks: Int = 0, exceptionTypes: [String: Int] = [:],
                workerTimeouts: Int = 0, csrfFailures: Int = 0, moduleNotFound: [String] = [], starts: Int = 0,
                stops: Int = 0, failures: Int = 0, samples: [String] = []) {
        self.unit = unit
        self.lines = lines
        self.errorLines = errorLines
        self.tracebacks = tracebacks
        self.exceptionTypes = exceptionTypes
        self.workerTimeouts = workerTimeouts
        self.csrfFailures = csrfFailures
        self.moduleNotFound = moduleNotFound
        self.starts = starts
        self.stops = stops
        self.failures = failures
        self.samples = samples
    }

    /// The unit without `.service`, as findings name it.
    public var shortName: String { unit.hasSuffix(".service") ? String(unit.dropLast(".service".count)) : unit }
}

/// Host-wide journal signals: kernel OOM kills and sshd password guessing.
public struct HostLogFacts: Sendable, Codable, Equatable {
    public var oomKills: Int
    /// Processes the OOM killer chose, e.g. `python (pid 1275)`.
    public var oomVictims: [String]
    public var sshFailedPasswords: Int
    /// Source address → failed attempts.
    public var sshSources: [String: Int]

    public init(oomKills: Int = 0, oomVictims: [String] = [], sshFailedPasswords: Int = 0, sshSources: [String: Int] = [:]) {
        self.oomKills = oomKills
        self.oomVictims = oomVictims
        self.sshFailedPasswords = sshFailedPasswords
        self.sshSources = sshSources
    }
}
