import Foundation
import Testing
import StewardCore
@testable import StewardSystem

/// A command meant for the app's user gets the app's environment (its env file, which that user may write). Nothing
/// may run as root with that environment: the runner starts the command as the user itself (uid, gid and groups set
/// before exec) and looks programs up in its own PATH, never in the child's.
@Suite struct RunAsUserTests {
    /// A directory of programs named like the ones Steward starts, each writing `id -u` to a marker.
    func plantedPrograms() throws -> (dir: String, marker: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("steward-planted-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o755)
        let marker = dir + "/marker"
        for name in ["runuser", "id", "env", "sh"] {
            let path = dir + "/" + name
            try "#!/bin/sh\nid -u >> \(marker)\n".write(toFile: path, atomically: false, encoding: .utf8)
            chmod(path, 0o755)
        }
        return (dir, marker)
    }

    @Test func theAppsPathAndPreloadNeverReachARootProcess() async throws {
        try #require(geteuid() == 0, "needs root, like Steward")
        let (dir, marker) = try plantedPrograms()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let command = Command("id", ["-u"], secretEnvironment: ["PATH": dir + ":/usr/bin:/bin", "LD_PRELOAD": dir + "/missing.so",
                                                               "GLIBC_TUNABLES": "glibc.malloc.check=3"]).asUser("nobody")
        let r = try await CommandRunner().run(command, timeout: .seconds(5)).get()
        #expect(r.exitCode == 0)
        #expect(r.stdout == "65534\n", "the command did not run as nobody: \(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: marker), "a planted program ran: \((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "")")
    }

    @Test func theAppUserGetsItsGroupsAndTheAppsEnvironment() async throws {
        try #require(geteuid() == 0)
        let command = Command("sh", ["-c", "id -u; id -g; echo $APP_SETTING $HOME $USER"], secretEnvironment: ["APP_SETTING": "on"]).asUser("nobody")
        let r = try await CommandRunner().run(command, timeout: .seconds(5)).get()
        let nogroup = try #require(getgrnam("nogroup")).pointee.gr_gid
        #expect(r.stdout == "65534\n\(nogroup)\non /nonexistent nobody\n")
    }

    @Test func programsAreFoundInStewardsPathNotTheChilds() async throws {
        let (dir, marker) = try plantedPrograms()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await CommandRunner().run(Command("id", ["-u"], secretEnvironment: ["PATH": dir]), timeout: .seconds(5)).get()
        #expect(r.stdout == "\(geteuid())\n")
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func anUnknownUserIsAnErrorNotARootRun() async {
        let r = await CommandRunner().run(Command("id", ["-u"]).asUser("no-such-user-steward"), timeout: .seconds(5))
        guard case .failure(let e) = r else { Issue.record("ran: \(r)"); return }
        #expect(e.description.contains("no user no-such-user-steward"))
    }
}
