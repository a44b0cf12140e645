import Testing
@testable import StewardCore

/// Command builders are the only place argv is made: asserted exactly, as Kamal tests its commands.
@Suite struct CommandBuilderTests {
    @Test func systemctlShowListsPropertiesThenUnitsAfterDoubleDash() {
        let c = Systemctl.show(units: ["a@prod.service", "b.service"], properties: ["Id", "ActiveState"])
        #expect(c.argv == ["systemctl", "show", "--no-pager", "-p", "Id,ActiveState", "--", "a@prod.service", "b.service"])
    }

    @Test func systemctlShowDefaultPropertiesIncludeEverythingTheProbeReads() {
        let props = Systemctl.show(units: ["x.service"]).arguments[3].split(separator: ",").map(String.init)
        for p in ["Id", "ActiveState", "SubState", "UnitFileState", "MainPID", "NRestarts", "User", "Group", "WorkingDirectory",
                  "EnvironmentFiles", "Environment", "ExecStart", "Restart", "StandardOutput", "StandardError", "FragmentPath"] {
            #expect(props.contains(p), "missing \(p)")
        }
    }

    @Test func listServiceUnits() {
        #expect(Systemctl.listServiceUnits().argv == ["systemctl", "list-units", "--all", "--type=service", "--plain", "--no-legend", "--no-pager", "--full"])
    }

    @Test func journalUnitMessagesIsBoundedInTimeAndFields() {
        let c = Journalctl.unitMessages(units: ["a.service", "b.service"], sinceHours: 24)
        #expect(c.argv == ["journalctl", "--no-pager", "--since", "-24h", "--lines=50000", "-o", "json",
                           "--output-fields=MESSAGE,PRIORITY,_SYSTEMD_UNIT,UNIT,MESSAGE_ID,JOB_RESULT,SYSLOG_IDENTIFIER",
                           "-u", "a.service", "-u", "b.service"])
    }

    @Test func journalHostQueries() {
        #expect(Journalctl.oomKills(sinceHours: 6).argv == ["journalctl", "--no-pager", "-k", "--since", "-6h", "-o", "json",
                                                           "--output-fields=MESSAGE", "--grep", "Out of memory: Kill|oom-kill|Killed process"])
        #expect(Journalctl.sshFailures(sinceHours: 24).argv == ["journalctl", "--no-pager", "--since", "-24h", "-o", "json", "--output-fields=MESSAGE",
                                                               "SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session",
                                                               "--grep", "Failed password|Invalid user|authentication failure"])
    }

    /// git's ownership guard stays on (no `safe.directory=*`): who runs git is ``GitRunAs``'s decision.
    @Test func gitCommandsKeepGitsOwnershipGuardAndNoFsmonitor() {
        let prefix = ["git", "-c", "core.fsmonitor=false", "-c", "core.quotepath=off", "-C", "/opt/app"]
        #expect(Git.statusPorcelain(dir: "/opt/app").argv == prefix + ["status", "--porcelain=v2", "--branch", "--untracked-files=normal"])
        #expect(Git.tagsAtHead(dir: "/opt/app").argv == prefix + ["tag", "--points-at", "HEAD", "--sort=-version:refname"])
        #expect(Git.cloneBare(from: "/srv/git/app.git", into: "/srv/app/repo.git").argv
                == ["git", "-c", "core.fsmonitor=false", "-c", "core.quotepath=off", "clone", "--quiet", "--bare", "--", "/srv/git/app.git", "/srv/app/repo.git"])
        let all = [Git.statusPorcelain(dir: "/a"), Git.fetch(dir: "/a", remote: "origin"), Git.fetchMirror(dir: "/a"), Git.checkout(dir: "/a", commit: "c"),
                   Git.cloneBare(from: "u", into: "/a"), Git.lsRemote(dir: "/a", remote: "origin", ref: "v1"), Git.archive(dir: "/a", commit: "c", output: "/t")]
        #expect(all.allSatisfy { !$0.arguments.contains { $0.hasPrefix("safe.directory") } })
    }

    @Test func gitInATreeOfTheAppUserRunsAsThatUserAndNeverAsRoot() {
        let status = Git.statusPorcelain(dir: "/srv/chip/prod")
        let tree = GitRunAs.Owned(path: "/srv/chip/prod", uid: 998, mode: 0o755)
        let dotGit = GitRunAs.Owned(path: "/srv/chip/prod/.git", uid: 998, mode: 0o755)
        let chip = GitRunAs.decide(tree: tree, gitFiles: [dotGit], ownerName: "chip")
        #expect(chip == .owner("chip"))
        #expect(chip.wrap(status)?.argv == ["runuser", "-u", "chip", "--"] + status.argv)
        // Root's own tree, only root can write: as is.
        let rootTree = GitRunAs.Owned(path: "/opt/tool", uid: 0, mode: 0o755), rootGit = GitRunAs.Owned(path: "/opt/tool/.git", uid: 0, mode: 0o755)
        #expect(GitRunAs.decide(tree: rootTree, gitFiles: [rootGit], ownerName: "root").wrap(status) == status)
        // Never root when the owner cannot be told, or when the tree has two owners, or others can write root's .git.
        let noAccount = GitRunAs.decide(tree: tree, gitFiles: [dotGit], ownerName: nil)
        #expect(noAccount.wrap(status) == nil)
        #expect(noAccount.refusal == "/srv/chip/prod is owned by uid 998, which has no account: git is not run as root in it")
        let planted = GitRunAs.decide(tree: rootTree, gitFiles: [GitRunAs.Owned(path: "/opt/tool/.git", uid: 998, mode: 0o755)], ownerName: "root")
        #expect(planted.wrap(status) == nil)
        #expect(planted.refusal?.contains("/opt/tool/.git is owned by uid 998 but /opt/tool by uid 0") == true)
        let mixed = GitRunAs.decide(tree: tree, gitFiles: [dotGit, GitRunAs.Owned(path: "/srv/chip/prod/.git/config", uid: 0, mode: 0o644)], ownerName: "chip")
        #expect(mixed.wrap(status) == nil)
        let groupWritable = GitRunAs.decide(tree: rootTree, gitFiles: [rootGit, GitRunAs.Owned(path: "/opt/tool/.git/config", uid: 0, mode: 0o664)], ownerName: "root")
        #expect(groupWritable.refusal?.contains("/opt/tool/.git/config is writable by others than root (mode 0664)") == true)
        #expect(GitRunAs.decide(tree: nil, gitFiles: [], ownerName: nil).wrap(status) == nil)
    }

    /// A token in a remote URL is readable by every user in `ps`: argv gets the URL without it, and one
    /// credential helper, for that origin only, prints it from this command's environment.
    @Test func gitRemoteCredentialsLeaveArgvForTheCommandsEnvironment() {
        let remote = "https://deploy:s3cr%40t-token@git.example.org:8443/team/app.git"
        let helper = #"!f() { test "$1" = get && printf 'username=%s\npassword=%s\n' "$STEWARD_GIT_USERNAME" "$STEWARD_GIT_PASSWORD"; }; f"#
        let credentialOptions = ["-c", "credential.helper=", "-c", "credential.https://git.example.org:8443.helper=" + helper]
        let fetch = Git.fetch(dir: "/srv/app", remote: remote)
        #expect(fetch.argv == ["git", "-c", "core.fsmonitor=false", "-c", "core.quotepath=off"] + credentialOptions
                + ["-C", "/srv/app", "fetch", "--quiet", "--tags", "--force", "--prune", "--", "https://git.example.org:8443/team/app.git"])
        #expect(fetch.secretEnvironment == ["STEWARD_GIT_USERNAME": "deploy", "STEWARD_GIT_PASSWORD": "s3cr@t-token"])
        #expect(fetch.environment.isEmpty)
        let clone = Git.cloneBare(from: "https://ghp_TOKEN123@github.com/o/r.git", into: "/b/repo.git")
        #expect(clone.argv == ["git", "-c", "core.fsmonitor=false", "-c", "core.quotepath=off", "-c", "credential.helper=",
                               "-c", "credential.https://github.com.helper=" + helper, "clone", "--quiet", "--bare", "--", "https://github.com/o/r.git", "/b/repo.git"])
        #expect(clone.secretEnvironment == ["STEWARD_GIT_USERNAME": "ghp_TOKEN123", "STEWARD_GIT_PASSWORD": ""])
        let mirror = Git.fetchMirror(dir: "/b/repo.git", repository: "https://ghp_TOKEN123@github.com/o/r.git")
        #expect(mirror.argv.suffix(3) == ["--", "origin", "+refs/heads/*:refs/heads/*"] && mirror.secretEnvironment["STEWARD_GIT_USERNAME"] == "ghp_TOKEN123")
        let ls = Git.lsRemote(dir: "/srv/app", remote: remote, ref: "v1")
        #expect(ls.argv.contains("https://git.example.org:8443/team/app.git") && ls.secretEnvironment["STEWARD_GIT_PASSWORD"] == "s3cr@t-token")
        for c in [fetch, clone, mirror, ls, fetch.asUser("app")] {
            #expect(!c.argv.joined(separator: " ").contains("TOKEN123") && !c.argv.joined(separator: " ").contains("s3cr"))
            #expect(!c.display.contains("TOKEN123") && !c.display.contains("s3cr"))
        }
        #expect(fetch.asUser("app").secretEnvironment == fetch.secretEnvironment, "runuser passes it to git")
        // No credentials: nothing added; an ssh user is no secret.
        #expect(Git.fetch(dir: "/a", remote: "git@github.com:o/r.git").secretEnvironment.isEmpty)
        #expect(Git.fetch(dir: "/a", remote: "ssh://git@github.com/o/r.git").argv.last == "ssh://git@github.com/o/r.git")
        #expect(Git.fetch(dir: "/a", remote: "https://github.com/o/r.git").argv == Git.git("/a", ["fetch", "--quiet", "--tags", "--force", "--prune", "--", "https://github.com/o/r.git"]).argv)
    }

    /// `git fetch origin` hands origin's URL from `.git/config` to `git-remote-http` in argv: for that one command,
    /// `url.<bare>.insteadOf=<with credentials>` comes through the environment, and the helper offers them.
    @Test func aConfiguredRemoteURLWithCredentialsIsRewrittenThroughTheEnvironment() {
        let url = "http://deploy:tok3n@127.0.0.1:18181/calb.git"
        let c = Git.withConfiguredRemote(Git.fetch(dir: "/srv/app", remote: "origin"), url: url)
        #expect(c.argv == ["git", "-c", "core.fsmonitor=false", "-c", "core.quotepath=off", "-c", "credential.helper=",
                           "-c", "credential.http://127.0.0.1:18181.helper=" + URLCredentials.gitHelper,
                           "-C", "/srv/app", "fetch", "--quiet", "--tags", "--force", "--prune", "--", "origin"])
        #expect(c.secretEnvironment == ["GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "url.http://127.0.0.1:18181/calb.git.insteadOf",
                                        "GIT_CONFIG_VALUE_0": url, "STEWARD_GIT_USERNAME": "deploy", "STEWARD_GIT_PASSWORD": "tok3n"])
        #expect(Git.withConfiguredRemote(Git.fetch(dir: "/a", remote: "origin"), url: "/srv/git/calb.git") == Git.fetch(dir: "/a", remote: "origin"))
        #expect(Git.remoteURL(dir: "/a", name: "origin").argv.suffix(3) == ["config", "--get", "remote.origin.url"])
    }

    @Test func pipIndexCredentialsLeaveArgvForPipsVariables() {
        let c = Pip.install(venv: "/v", requirements: "/r.txt",
                            extra: ["--index-url", "https://u:pw-index@pypi.example.org/simple", "--extra-index-url=https://tok@extra.example.org/simple",
                                    "-f", "https://u:pw-links@links.example.org/", "--trusted-host", "pypi.example.org", "--find-links", "/srv/wheels"],
                            directory: "/srv/app")
        #expect(c.argv == ["/v/bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
                           "--trusted-host", "pypi.example.org", "-r", "/r.txt"])
        // All of an option's values move together: pip takes the command line's instead of the variable's.
        #expect(c.secretEnvironment == ["PIP_INDEX_URL": "https://u:pw-index@pypi.example.org/simple",
                                        "PIP_EXTRA_INDEX_URL": "https://tok@extra.example.org/simple",
                                        "PIP_FIND_LINKS": "https://u:pw-links@links.example.org/ /srv/wheels"])
        #expect(c.workingDirectory == "/srv/app" && !c.display.contains("pw-"))
        // An index without credentials stays where it was.
        #expect(Pip.install(venv: "/v", requirements: "/r.txt", extra: ["-i", "https://pypi.example.org/simple"]).argv.contains("https://pypi.example.org/simple"))
    }

    @Test func nginxTest() {
        #expect(Nginx.testConfig().argv == ["nginx", "-t", "-q", "-c", "/etc/nginx/nginx.conf"])
        #expect(Nginx.testConfig(file: "/fixture/etc/nginx/nginx.conf").argv == ["nginx", "-t", "-q", "-c", "/fixture/etc/nginx/nginx.conf"])
    }

    @Test func descriptionQuotesForDisplayOnly() {
        #expect(Command("echo", ["a b", "it's", "plain"]).description == "echo 'a b' 'it'\\''s' plain")
    }
}
