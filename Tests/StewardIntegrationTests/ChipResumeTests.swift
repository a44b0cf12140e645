import Foundation
import Testing

extension IntegrationTests.ChipDeploys {
    /// `--resume` is not `--force`: a deploy forced over a dirty tree and killed is refused again on resume (exit 3,
    /// the interrupted deploy left as it is), until the resume itself says `--force --reason`.
    @Test func aResumedDeployRefusesADirtyTreeAgainUnlessForcedAgain() throws {
        try ctl("reset", "prod")
        try ctl("dirty", "prod")
        defer { _ = try? ctl("clean", "prod") }
        let killed = try steward("resume-dirty", ["deploy", "broker_portal@prod", "--ref", "v1.0.1", "--force", "--reason", "hotfix typed on the server"],
                                 env: ["STEWARD_FAULT=after:lock"])
        #expect(killed.status == 137, "\(killed.stdout)\(killed.stderr)")
        let resumed = try steward("resume-dirty", ["deploy", "broker_portal@prod", "--resume"])
        #expect(resumed.status == 3, "\(resumed.stdout)\(resumed.stderr)")
        #expect(resumed.stderr.contains("uncommitted changes") && resumed.stderr.contains("--resume --force --reason"), "\(resumed.stderr)")
        #expect(resumed.stderr.contains("views.py"), "the diff summary: \(resumed.stderr)")
        // Still interrupted, and nothing was changed: the running release is v1.0.0.
        #expect(try serving("prod").hasPrefix("1.0.0 "))
        let forced = try steward("resume-dirty", ["deploy", "broker_portal@prod", "--resume", "--force", "--reason", "still the hotfix"])
        #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
        #expect(try serving("prod").hasPrefix("1.0.1 "))
    }
}
