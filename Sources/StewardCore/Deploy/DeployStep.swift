/// The steps of a deploy, in order. Each is recorded in the state database before and after it runs, so an
/// interrupted deploy can be resumed from the first step that did not finish, or undone.
public enum DeployStep: String, Sendable, Codable, CaseIterable, Comparable {
    case preflight
    case lock
    case preDeploy = "pre-deploy"
    case fetch
    case dependencies
    case migrate
    case build
    /// blue-green: the idle slot started on the new release (the other slot still serves).
    case start
    case restart
    case health
    /// blue-green: nginx pointed at the new slot (its upstream file, `nginx -t`, a graceful reload).
    case switchTraffic = "switch"
    /// blue-green: the old slot's connections waited for (bounded), then its unit stopped.
    case drain
    case postDeploy = "post-deploy"
    /// Not a step of the plan: what a failed or aborted deploy did to put the previous release back.
    case rollback

    public static func < (a: DeployStep, b: DeployStep) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The step from which `strategy`'s new release may serve: the restart, or blue-green's switch (its health gate
    /// runs before it, on the new slot's own port).
    public static func switchStep(_ strategy: DeploySpec.Strategy) -> DeployStep {
        strategy == .blueGreen ? .switchTraffic : .restart
    }

    /// Steps after which the new release serves: a failure from here on rolls back automatically.
    public func isAfterSwitch(_ strategy: DeploySpec.Strategy) -> Bool { self >= Self.switchStep(strategy) }
}

/// Where a deploy ended.
public enum DeployStatus: String, Sendable, Codable {
    /// In progress, or interrupted when its process is gone.
    case running
    case succeeded
    /// Failed before the switch: the running release was not touched.
    case failed
    /// Failed after the switch and put back: the previous release serves.
    case rolledBack = "rolled-back"
    /// Failed and putting it back failed too: needs an operator.
    case rollbackFailed = "rollback-failed"
    /// An interrupted deploy undone by `--abort`.
    case aborted
}

/// How one step ended.
public enum StepResult: String, Sendable, Codable {
    case running, ok, skipped, failed
}
