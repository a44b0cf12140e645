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

    @Test func gitCommandsReadOnlyWithSafeDirectory() {
        let prefix = ["git", "-c", "safe.directory=*", "-c", "core.fsmonitor=false", "-c", "core.quotepath=off", "-C", "/opt/app"]
        #expect(Git.statusPorcelain(dir: "/opt/app").argv == prefix + ["status", "--porcelain=v2", "--branch", "--untracked-files=normal"])
        #expect(Git.tagsAtHead(dir: "/opt/app").argv == prefix + ["tag", "--points-at", "HEAD", "--sort=-version:refname"])
    }

    @Test func nginxTest() {
        #expect(Nginx.testConfig().argv == ["nginx", "-t", "-q", "-c", "/etc/nginx/nginx.conf"])
        #expect(Nginx.testConfig(file: "/fixture/etc/nginx/nginx.conf").argv == ["nginx", "-t", "-q", "-c", "/fixture/etc/nginx/nginx.conf"])
    }

    @Test func descriptionQuotesForDisplayOnly() {
        #expect(Command("echo", ["a b", "it's", "plain"]).description == "echo 'a b' 'it'\\''s' plain")
    }
}
