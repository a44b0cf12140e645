import Foundation
import Testing

extension IntegrationTests {
    /// A failed deploy whose undo cannot take the safety backup of the current database (the store is full): the
    /// pre-deploy backup is not restored, so the database keeps the new release's migrations, and the previous code
    /// must not be started on it. The units stay stopped and the output says why and what to do (exit 2).
    @Suite(.sandbox("marb"), .serialized) struct MarbRevertSafety {
        static let repo = Sandbox.packageRoot.path
        static let manifest = repo + "/Tests/Scenarios/marb/steward.yml"

        func sandbox() throws -> Sandbox { try SandboxScenario.sandbox() }

        func sh(_ script: String) throws -> String {
            let r = try sandbox().exec(["bash", "-c", script])
            try #require(r.status == 0, "\(script): \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func deploy(_ ref: String, store: String) throws -> Sandbox.Output {
            try sandbox().steward(["deploy", "marb@prod", "--ref", ref, "--manifest", Self.manifest,
                                   "--state", "/var/lib/steward-revert/state.db", "--store", store])
        }

        @Test func anUndoWithoutASafetyBackupLeavesTheUnitsStoppedAndSaysSo() throws {
            _ = try sh("bash \(Self.repo)/Tests/Scenarios/marb/make-origin.sh")
            let good = try deploy("v2.1.0", store: "/var/backups/revert")
            try #require(good.status == 0, "\(good.stdout)\(good.stderr)")
            // A store with room for the pre-deploy backup and not for a second one (the undo's safety backup): as
            // many pages as a backup of the database as it is now takes.
            let now = try sandbox().steward(["backup", "marb@prod", "--manifest", Self.manifest, "--state", "/var/lib/steward-revert/state.db", "--store", "/var/backups/revert"])
            try #require(now.status == 0, "\(now.stdout)\(now.stderr)")
            let size = try #require(Int(try sh("stat -c %s $(ls -t /var/backups/revert/marb/prod/db-* | head -1)")))
            let pages = (size + 4095) / 4096
            _ = try sh("mkdir -p /var/backups/tiny && mount -t tmpfs -o size=\(pages * 4096),mode=0700 tmpfs /var/backups/tiny")
            defer { _ = try? sh("umount /var/backups/tiny") }
            // v2.3.0 migrates, then its health answers 500: the deploy is undone after the switch.
            let bad = try deploy("v2.3.0", store: "/var/backups/tiny")
            let store = try sh("ls -la /var/backups/tiny/marb/prod; df -B1 /var/backups/tiny")
            #expect(bad.status == 2, "\(bad.stdout)\(bad.stderr)\n\(size) bytes a backup; the store: \(store)")
            #expect(bad.stdout.contains("took a safety backup of the database as it is failed"), "\(bad.stdout)")
            #expect(bad.stdout.contains("stopped: the database still holds this deploy's migrations"), "\(bad.stdout)")
            #expect(!bad.stdout.contains("↺ restarted"), "\(bad.stdout)")
            let state = try sandbox().exec(["systemctl", "is-active", "marb@prod.service"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(state != "active" && state != "activating", "the previous code was started on the migrated database (\(state))")
        }
    }
}
