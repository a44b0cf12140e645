/// The outcome of one check, goss-style: one flat record whatever the kind.
public struct CheckResult: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// The expectation holds.
        case pass
        /// It does not: `severity` says how bad.
        case fail
        /// It could not be judged (connection refused is a fail; a probe that could not run at all is unknown).
        case unknown
    }

    public var id: String
    public var kind: String
    public var app: String?
    public var instance: String?
    public var status: Status
    /// For a fail: warning or critical. Pass is info.
    public var severity: Severity
    /// What was expected and what was found, as text (`active`, `200`, `status == "healthy"`).
    public var expected: String
    public var found: String
    /// One line a person reads: why it failed or why it is unknown (secrets scrubbed).
    public var message: String
    public var durationMs: Double
    /// Attempts made (more than 1 for a retried flaky check).
    public var attempts: Int

    public init(id: String, kind: String, app: String? = nil, instance: String? = nil, status: Status, severity: Severity = .info,
                expected: String, found: String, message: String = "", durationMs: Double = 0, attempts: Int = 1) {
        self.id = id
        self.kind = kind
        self.app = app
        self.instance = instance
        self.status = status
        self.severity = status == .pass ? .info : severity
        self.expected = expected
        self.found = found
        self.message = message
        self.durationMs = durationMs
        self.attempts = attempts
    }
}

/// All results of one `steward check` run.
public struct CheckReport: Sendable, Codable, Equatable {
    public var host: String
    public var generatedAt: String
    public var results: [CheckResult]
    public var durationMs: Double
    /// Set when the total deadline cut the run short.
    public var deadlineExceeded: Bool

    public init(host: String, generatedAt: String, results: [CheckResult], durationMs: Double, deadlineExceeded: Bool = false) {
        self.host = host
        self.generatedAt = generatedAt
        self.results = results
        self.durationMs = durationMs
        self.deadlineExceeded = deadlineExceeded
    }

    /// As the audit: 0 all pass, 1 a warning failure, 2 a critical failure, 3 nothing failed but something is unknown.
    public var exitCode: Int32 {
        let failed = results.filter { $0.status == .fail }
        if failed.contains(where: { $0.severity == .critical }) { return 2 }
        if !failed.isEmpty { return 1 }
        return results.contains { $0.status == .unknown } || deadlineExceeded ? 3 : 0
    }
}
