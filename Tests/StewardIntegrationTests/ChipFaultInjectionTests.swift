import Foundation
import Testing

extension IntegrationTests.ChipDeploys {
    /// Crash safety: a deploy of v1.0.0 → v1.1.0 (a migration, collectstatic, a restart) killed with SIGKILL at
    /// every step boundary (and between the pre-migration backup and the migration), then recovered with
    /// `--resume` and, from the same point, with `--abort`. After each: the instance serves the old or the new
    /// release, its checks pass, the schema is the one that release expects, the lock is free and no deploy is
    /// left interrupted. Prints the table.
    @Test func aDeployKilledAtAnyStepBoundaryIsRecoverable() throws {
        let steps = ["preflight", "lock", "pre-deploy", "fetch", "dependencies", "migrate", "build", "restart", "health", "post-deploy"]
        var points = steps.flatMap { ["before:\($0)", "after:\($0)"] }
        points.insert("after-backup:migrate", at: points.firstIndex(of: "after:migrate")!)
        let expected = ["--resume": "1.1.0 0002_chip_price", "--abort": "1.0.0 0001_initial"]
        var rows = ["| fault point | recovery | killed | interrupted seen | serving after | checks | lock free |", "|---|---|---|---|---|---|---|"]
        var failures: [String] = []
        for (n, point) in points.enumerated() {
            for recovery in ["--resume", "--abort"] {
                let name = "fault-\(n)-\(recovery.dropFirst(2))"
                try ctl("reset", "test")
                let killed = try steward(name, ["deploy", "broker_portal@test", "--ref", "v1.1.0"], env: ["STEWARD_FAULT=\(point)"])
                let status = try sandbox().steward(["status", "broker_portal@test", "--state", "/var/lib/steward-\(name)/state.db"])
                let blocked = try steward(name, ["deploy", "broker_portal@test", "--ref", "v1.1.0"])
                let recovered = try steward(name, ["deploy", "broker_portal@test", recovery])
                let now = try serving("test")
                let lock = try sandbox().exec(["flock", "-n", "/var/lib/steward-\(name)/locks/broker_portal@test.lock", "true"])
                let after = try sandbox().steward(["status", "broker_portal@test", "--state", "/var/lib/steward-\(name)/state.db"])
                let checks = try sandbox().steward(["check", "broker_portal@test", "--manifest", Self.manifest])
                let ok = killed.status == 137 && status.status == 1 && blocked.status == 3 && recovered.status == 0
                    && now == expected[recovery] && lock.status == 0 && after.status == 0 && checks.status == 0
                rows.append("| \(point) | \(recovery) | \(killed.status == 137 ? "yes" : "no (\(killed.status))") | \(status.status == 1 && blocked.status == 3 ? "yes" : "no") | \(now) | \(checks.status == 0 ? "pass" : "exit \(checks.status)") | \(lock.status == 0 ? "yes" : "no") |")
                if !ok {
                    failures.append("\(point) \(recovery): killed \(killed.status), status \(status.status), blocked \(blocked.status), recovery \(recovered.status) → \(now)\n\(recovered.stdout)\(recovered.stderr)")
                }
            }
        }
        print("crash safety: deploy v1.0.0 → v1.1.0 of broker_portal@test killed with SIGKILL at each point, then recovered\n" + rows.joined(separator: "\n"))
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n\n"))")
    }
}
