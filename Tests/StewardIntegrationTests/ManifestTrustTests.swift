import Foundation
import Testing

extension IntegrationTests {
    /// As root, Steward reads only manifests and checks files that root owns and only root can write: a file the
    /// app's user wrote (in its own checkout, say) would otherwise make root run that user's `command:` checks.
    @Suite(.sandbox("n1")) struct ManifestTrust {
        /// A manifest and a checks file whose one check writes `id -u` to a marker, planted by `owner` in `dir`.
        func plant(_ sandbox: Sandbox, dir: String, owner: String, mode: String = "0644") throws -> String {
            let marker = "/tmp/manifest-trust-marker"
            let script = """
                set -e
                rm -f \(marker)
                install -d -o \(owner) -g \(owner) \(dir)
                cat > \(dir)/steward.yml <<'YML'
                checks:
                  - name: planted
                    command: {argv: [/bin/sh, -c, "id -u > \(marker)"], exit_status: 0}
                YML
                sed -n '2,$p' \(dir)/steward.yml > \(dir)/checks.yml
                chown \(owner):\(owner) \(dir)/steward.yml \(dir)/checks.yml
                chmod \(mode) \(dir)/steward.yml \(dir)/checks.yml
                """
            let r = try sandbox.exec(["/bin/bash", "-c", script])
            try #require(r.status == 0, "planting failed: \(r.stderr)")
            return marker
        }

        func steward(_ sandbox: Sandbox, in dir: String, _ args: [String]) throws -> Sandbox.Output {
            try sandbox.exec(["/bin/bash", "-c", "cd \(dir) && exec \"$@\"", "steward", Sandbox.stewardBinary] + args)
        }

        @Test func appOwnedManifestInTheCurrentDirectoryIsIgnored() throws {
            let sandbox = try SandboxScenario.sandbox()
            let marker = try plant(sandbox, dir: "/opt/calb/planted", owner: "calb")
            let out = try steward(sandbox, in: "/opt/calb/planted", ["check", "--format", "json"])
            #expect(out.stderr.contains("ignoring steward.yml: owned by calb, not root"), "stderr: \(out.stderr)")
            #expect(!out.stdout.contains("planted"), "the planted check ran: \(out.stdout)")
            let ran = try sandbox.exec(["/bin/cat", marker])
            #expect(ran.status != 0, "the planted command ran as uid \(ran.stdout)")
        }

        @Test func appOwnedExplicitManifestAndChecksFileAreRefusedWithTheFix() throws {
            let sandbox = try SandboxScenario.sandbox()
            let marker = try plant(sandbox, dir: "/opt/calb/planted2", owner: "calb")
            for args in [["check", "--manifest", "/opt/calb/planted2/steward.yml"], ["check", "-f", "/opt/calb/planted2/checks.yml"],
                         ["audit", "--manifest", "/opt/calb/planted2/steward.yml"]] {
                let out = try sandbox.steward(args)
                #expect(out.status == 3, "\(args): exit \(out.status)")
                #expect(out.stderr.contains("owned by calb, not root") && out.stderr.contains("chown root:root"), "\(args): \(out.stderr)")
            }
            #expect(try sandbox.exec(["/bin/cat", marker]).status != 0, "the planted command ran")
        }

        @Test func groupWritableRootManifestIsRefused() throws {
            let sandbox = try SandboxScenario.sandbox()
            let marker = try plant(sandbox, dir: "/root/planted3", owner: "root", mode: "0664")
            let out = try sandbox.steward(["check", "--manifest", "/root/planted3/steward.yml"])
            #expect(out.status == 3)
            #expect(out.stderr.contains("writable by its group (mode 664)") && out.stderr.contains("chmod go-w"), "\(out.stderr)")
            #expect(try sandbox.exec(["/bin/cat", marker]).status != 0, "the planted command ran")
        }

        @Test func rootOwnedManifestInTheCurrentDirectoryIsUsed() throws {
            let sandbox = try SandboxScenario.sandbox()
            let marker = try plant(sandbox, dir: "/root/planted4", owner: "root")
            let out = try steward(sandbox, in: "/root/planted4", ["check", "--format", "json"])
            #expect(out.stdout.contains("planted"), "stdout: \(out.stdout) stderr: \(out.stderr)")
            let ran = try sandbox.exec(["/bin/cat", marker])
            #expect(ran.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        }
    }
}
