import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

/// git reads programs from a repository's config (filters, textconv, pager, fsmonitor): in a checkout another
/// user owns, Steward runs git as that user, and never as root when the owner cannot be told.
@Suite struct GitOwnerTests {
    /// A repository of `nobody` (uid 65534) whose config names a clean filter for every file and more, each
    /// writing `id -u` into a marker; one tracked file changed with the same length, so `git status` must filter it.
    func plantedRepo(owner: String) throws -> (TempTree, marker: String) {
        let t = try GitProbeTests().repo()
        let marker = t.root + "/marker"
        let program = try t.write("/planted.sh", "#!/bin/sh\nid -u >> \(marker)\ncat\n", mode: 0o755)
        for (key, value) in [("filter.x.clean", program), ("filter.x.smudge", program), ("diff.x.textconv", program),
                             ("core.pager", program), ("core.fsmonitor", program)] {
            try t.sh(["git", "config", key, value], cwd: "/app")
        }
        try t.write("/app/.git/info/attributes", "* filter=x diff=x\n")
        try t.write("/app/app.py", "print('ho')\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: t.root)
        #expect(try t.sh(["chown", "-R", owner, t.root + "/app"]) == 0)
        return (t, marker)
    }

    @Test func gitInACheckoutOfAnotherUserRunsAsThatUser() async throws {
        let (t, marker) = try plantedRepo(owner: "nobody:nogroup")
        let dir = try #require(await FilesProbe.appDir(ProbeContext(files: HostFiles(root: t.root)), path: "/app"))
        let git = try #require(dir.git, "\(dir.gitUnknown ?? "")")
        #expect(git.branch == "main" && git.modified == ["app.py"])
        let uids = Set(((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "").split(separator: "\n"))
        #expect(uids == ["65534"], "the planted clean filter ran as \(uids), not only as the checkout's owner")
    }

    @Test func aCheckoutWhoseOwnerHasNoAccountIsNotReadByGitAtAll() async throws {
        let (t, marker) = try plantedRepo(owner: "4242:4242")
        let dir = try #require(await FilesProbe.appDir(ProbeContext(files: HostFiles(root: t.root)), path: "/app"))
        #expect(dir.git == nil)
        #expect(dir.gitUnknown?.contains("owned by uid 4242, which has no account") == true, "\(dir.gitUnknown ?? "nil")")
        #expect(dir.gitUnknown?.hasSuffix("(HEAD: branch main)") == true, "read from .git/HEAD without git: \(dir.gitUnknown ?? "nil")")
        #expect(!FileManager.default.fileExists(atPath: marker), "git ran in a checkout whose owner is unknown")
    }

    @Test func aDotGitOfAnotherOwnerIsRefused() async throws {
        let (t, marker) = try plantedRepo(owner: "nobody:nogroup")
        #expect(try t.sh(["chown", "root:root", t.root + "/app"]) == 0)
        let dir = try #require(await FilesProbe.appDir(ProbeContext(files: HostFiles(root: t.root)), path: "/app"))
        #expect(dir.git == nil && dir.gitUnknown?.contains("git is not run in a tree with two owners") == true, "\(dir.gitUnknown ?? "nil")")
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}

/// Children get a fixed environment, not Steward's: a token exported to root's shell or a CI job reaches no tool.
@Suite struct ChildEnvironmentTests {
    @Test func stewardsOwnVariablesReachNoChild() async throws {
        // (Not PGHOST itself: the variable is the test process's, seen by every sandbox other suites boot meanwhile.)
        setenv("STEWARD_TEST_CANARY_TOKEN", "canary-4f1c", 1)
        setenv("STEWARD_TEST_PGHOST", "elsewhere.example.org", 1)
        defer { unsetenv("STEWARD_TEST_CANARY_TOKEN"); unsetenv("STEWARD_TEST_PGHOST") }
        let r = try await CommandRunner().run(Command("env", [], environment: ["VISIBLE": "1"], secretEnvironment: ["APP_SECRET": "s"]), timeout: .seconds(5)).get()
        let names = Set(r.stdout.split(separator: "\n").map { String($0.prefix { $0 != "=" }) })
        #expect(!r.stdout.contains("canary-4f1c") && !r.stdout.contains("elsewhere.example.org"), "\(r.stdout)")
        #expect(names == ["PATH", "LC_ALL", "LANG", "SYSTEMD_PAGER", "SYSTEMD_COLORS", "PAGER", "GIT_TERMINAL_PROMPT", "GIT_OPTIONAL_LOCKS", "HOME",
                          "VISIBLE", "APP_SECRET"])
        #expect(r.stdout.contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"))
    }

    @Test func runuserGivesTheTargetUsersHome() async throws {
        let r = try await CommandRunner().run(Command("sh", ["-c", "echo $HOME:$USER"]).asUser("nobody"), timeout: .seconds(5)).get()
        #expect(r.stdout == "/nonexistent:nobody\n")
    }
}
