import Foundation
import Testing

extension IntegrationTests {
    /// Seed 000's N1: in-place tag deploys of calb-sizingtool@test, then `promote` to @prod. Both checkouts carry
    /// the seed's uncommitted drift (requirements.txt), which a deploy refuses until it is dealt with.
    @Suite(.sandbox("n1"), .serialized) struct N1Deploys {
        static let repo = Sandbox.packageRoot.path
        static let manifest = repo + "/Tests/Scenarios/n1/deploy.yml"
        static let tag = "v20260110-1"

        func sandbox() throws -> Sandbox { try SandboxScenario.sandbox() }

        func steward(_ args: [String]) throws -> Sandbox.Output {
            try sandbox().steward(args + ["--manifest", Self.manifest, "--state", "/var/lib/steward-deploy/state.db", "--store", "/var/backups/deploy"])
        }

        func sh(_ script: String) throws -> String {
            let r = try sandbox().exec(["bash", "-c", script])
            try #require(r.status == 0, "\(script): \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func head(_ instance: String) throws -> String {
            try sh("git -c safe.directory='*' -C /opt/calb/\(instance)/CALB_SIZINGTOOL describe --tags --exact-match HEAD 2>/dev/null || echo untagged")
        }

        func clean(_ instance: String) throws {
            _ = try sh("setpriv --reuid=calb --regid=calb --init-groups -- git -C /opt/calb/\(instance)/CALB_SIZINGTOOL checkout -q -- requirements.txt")
        }

        @Test func tagDeploysToTestThenPromotionToProd() throws {
            _ = try sh("bash \(Self.repo)/Tests/Scenarios/n1/make-origin.sh")
            // With the default min_free (200 MiB), N1's nearly full app filesystem stops any deploy up front.
            _ = try sh("grep -v min_free \(Self.manifest) >/run/deploy-default.yml")
            let full = try sandbox().steward(["deploy", "calb-sizingtool@test", "--ref", Self.tag, "--manifest", "/run/deploy-default.yml",
                                              "--state", "/var/lib/steward-full/state.db"])
            #expect(full.status == 1 && full.stdout.contains("free on the filesystem of /opt/calb/test/CALB_SIZINGTOOL; a deploy needs 200 MiB"), "\(full.stdout)")
            // The seed's drift: requirements.txt edited on the box. Refused, with what changed.
            let dirty = try steward(["deploy", "calb-sizingtool@test", "--ref", Self.tag])
            #expect(dirty.status == 1)
            #expect(dirty.stdout.contains("uncommitted changes") && dirty.stdout.contains("requirements.txt"), "\(dirty.stdout)")
            #expect(try head("test") == "untagged")

            try clean("test")
            let deployed = try steward(["deploy", "calb-sizingtool@test", "--ref", Self.tag])
            #expect(deployed.status == 0, "\(deployed.stdout)\(deployed.stderr)")
            #expect(try head("test") == Self.tag)
            #expect(try sh("curl -fsS http://127.0.0.1:8512/_stcore/health") == "ok")

            // Production takes tags only.
            let branch = try steward(["deploy", "calb-sizingtool@prod", "--ref", "refactor/streamlit-structure-v1"])
            #expect(branch.status == 1 && branch.stdout.contains("production instances deploy only tags"), "\(branch.stdout)")

            // Promote: prod's own drift first stops it, then exactly test's tag goes to prod.
            let blocked = try steward(["promote", "calb-sizingtool", "--from", "test", "--to", "prod"])
            #expect(blocked.status == 1 && blocked.stdout.contains("uncommitted changes"), "\(blocked.stdout)")
            try clean("prod")
            let promoted = try steward(["promote", "calb-sizingtool", "--from", "test", "--to", "prod"])
            #expect(promoted.status == 0, "\(promoted.stdout)\(promoted.stderr)")
            #expect(promoted.stdout.contains("calb-sizingtool@test runs \(Self.tag)"), "\(promoted.stdout)")
            #expect(try head("prod") == Self.tag)
            let releases = try sandbox().steward(["releases", "calb-sizingtool@prod", "--state", "/var/lib/steward-deploy/state.db"])
            #expect(releases.stdout.contains("promote  \(Self.tag)") && releases.stdout.contains("succeeded"), "\(releases.stdout)")
        }
    }
}
