import Foundation
import Testing

extension IntegrationTests {
    /// Issue 17: the Debian package of `scripts/package` on a host with no Swift toolchain (the `package` scenario
    /// hides /opt/swift). The packaged binary runs `steward version`, `steward audit` and `steward check` there; the
    /// .deb installs (help, man page, completions, a unit that is not enabled) and `dpkg -r` / `dpkg -P` leave none of
    /// its files behind. The checks themselves are the scenario's shell scripts (run-binary.sh, deb-roundtrip.sh), which
    /// also run by hand inside a sandbox.
    @Suite(.sandbox("package"), .serialized) struct PackageScenario {
        static let scenario = Sandbox.packageRoot.appendingPathComponent("Tests/Scenarios/package").path

        /// The .deb under test: `STEWARD_PACKAGE_DEB` (.ci/run builds it with scripts/package while the other tests
        /// run), else built here once by scripts/package: a static release build, ~15 min the first time on 2 cores.
        static let deb: Result<String, SandboxError> = {
            if let deb = ProcessInfo.processInfo.environment["STEWARD_PACKAGE_DEB"] {
                return FileManager.default.fileExists(atPath: deb) ? .success(deb) : .failure(SandboxError("STEWARD_PACKAGE_DEB: no such file: \(deb)"))
            }
            let out = Sandbox.packageRoot.appendingPathComponent(".build-static/test-dist").path
            do {
                let r = try Sandbox.run(["/bin/bash", Sandbox.packageRoot.appendingPathComponent("scripts/package").path, "--out-dir", out])
                let path = r.stdout.split(separator: "\n").last.map { String($0) } ?? ""
                guard r.status == 0, path.hasSuffix(".deb") else {
                    return .failure(SandboxError("scripts/package exited \(r.status):\n\(r.stderr.suffix(3000))"))
                }
                return .success(path)
            } catch let error as SandboxError {
                return .failure(error)
            } catch {
                return .failure(SandboxError("scripts/package: \(error)"))
            }
        }()

        /// The commit scripts/package stamps for this checkout: HEAD, `-dirty` with uncommitted changes to tracked files.
        static func expectedCommit() throws -> String {
            let root = Sandbox.packageRoot.path
            let head = try Sandbox.run(["/usr/bin/git", "-C", root, "rev-parse", "HEAD"])
            let status = try Sandbox.run(["/usr/bin/git", "-C", root, "status", "--porcelain", "--untracked-files=no"])
            guard head.status == 0, status.status == 0 else { throw SandboxError("git: \(head.stderr)\(status.stderr)") }
            return head.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + (status.stdout.isEmpty ? "" : "-dirty")
        }

        @Test func theStaticBinaryRunsWithoutTheToolchain() throws {
            let sandbox = try SandboxScenario.sandbox()
            let deb = try Self.deb.get()
            // The package's own /usr/bin/steward, unpacked where the sandbox sees it (its /tmp is private).
            let unpacked = sandbox.state + "/share/unpacked"
            let x = try Sandbox.run(["/usr/bin/dpkg-deb", "-x", deb, unpacked])
            try #require(x.status == 0, "dpkg-deb -x: \(x.stderr)")
            let commit = try Self.expectedCommit()
            let r = try sandbox.exec(["/bin/bash", Self.scenario + "/run-binary.sh", unpacked + "/usr/bin/steward", commit])
            #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
            #expect(r.stdout.contains("run-binary: ok: steward 0."))
            #expect(r.stdout.contains("(commit \(commit.prefix(12))"))
            #expect(r.stdout.contains("run-binary: ok: steward audit (exit"))
            #expect(r.stdout.contains("run-binary: ok: steward check: 8 checks passed"))

            // The control: the debug build, linked against /opt/swift's libraries, cannot start here.
            let debug = Sandbox.packageRoot.appendingPathComponent(".build/debug/steward").path
            if FileManager.default.isExecutableFile(atPath: debug) {
                let c = try sandbox.exec([debug, "--version"])
                #expect(c.status != 0 && c.stderr.contains("libswift"), "the debug build started without /opt/swift: \(c.stdout)\(c.stderr)")
            }
        }

        @Test func theDebianPackageInstallsAndLeavesNothingBehind() throws {
            let sandbox = try SandboxScenario.sandbox()
            let deb = try Self.deb.get()
            let shared = sandbox.state + "/share/" + URL(fileURLWithPath: deb).lastPathComponent
            try? FileManager.default.removeItem(atPath: shared)
            try FileManager.default.copyItem(atPath: deb, toPath: shared)
            let r = try sandbox.exec(["/bin/bash", Self.scenario + "/deb-roundtrip.sh", shared])
            #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
            for step in ["dpkg -i: steward ", "steward --help;", "man -w steward: /usr/share/man/man1/steward.1.gz",
                         "completions: bash (loads), zsh, fish", "steward.service: known to systemd, disabled, inactive",
                         "dpkg -r: none of the package's files left", "dpkg -P: dpkg no longer knows steward"] {
                #expect(r.stdout.contains("deb-roundtrip: ok: \(step)"), "missing: \(step)\n\(r.stdout)")
            }
        }
    }
}
