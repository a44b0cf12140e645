import Testing
@testable import StewardCore

@Suite struct SystemctlShowParserTests {
    static let output = """
        Id=calb-sizingtool@prod.service
        LoadState=loaded
        ActiveState=active
        SubState=running
        UnitFileState=enabled
        MainPID=1275
        NRestarts=0
        User=calb
        Group=calb
        WorkingDirectory=/opt/calb/prod/CALB_SIZINGTOOL
        EnvironmentFiles=/etc/calb-sizingtool/prod.env (ignore_errors=no)
        Environment=
        ExecStart={ path=/opt/calb/prod/CALB_SIZINGTOOL/.venv/bin/python ; argv[]=/opt/calb/prod/CALB_SIZINGTOOL/.venv/bin/python -m streamlit run app.py --server.port ${PORT} ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }
        Restart=on-failure
        StandardOutput=journal
        StandardError=inherit
        FragmentPath=/etc/systemd/system/calb-sizingtool@.service

        Id=calb-ngrok@prod.service
        LoadState=loaded
        ActiveState=active
        SubState=running
        UnitFileState=enabled
        MainPID=5642
        NRestarts=3
        User=calb
        Group=
        WorkingDirectory=!/home/calb
        EnvironmentFiles=/etc/a.env (ignore_errors=yes)
        EnvironmentFiles=/etc/b.env (ignore_errors=no)
        Environment=NGROK_CONFIG=/home/calb/.config/ngrok/ngrok.yml "GREETING=hello world"
        ExecStart={ path=/usr/local/bin/ngrok ; argv[]=/usr/local/bin/ngrok start --all --config ${NGROK_CONFIG} ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }
        Restart=always
        StandardOutput=syslog
        StandardError=syslog
        FragmentPath=/etc/systemd/system/calb-ngrok@.service

        """

    @Test func parsesEachBlockIntoAUnit() throws {
        let units = SystemctlShowParser.parse(Self.output)
        #expect(units.map(\.name) == ["calb-sizingtool@prod.service", "calb-ngrok@prod.service"])
        let app = units[0]
        #expect(app.activeState == "active" && app.subState == "running" && app.unitFileState == "enabled")
        #expect(app.mainPID == 1275 && app.nRestarts == 0 && app.user == "calb" && app.group == "calb")
        #expect(app.environmentFiles == [EnvironmentFileRef(path: "/etc/calb-sizingtool/prod.env", optional: false)])
        #expect(app.execStart == ["/opt/calb/prod/CALB_SIZINGTOOL/.venv/bin/python", "-m", "streamlit", "run", "app.py", "--server.port", "${PORT}"])
        #expect(app.templateBase == "calb-sizingtool" && app.instance == "prod" && app.unitFileName == "calb-sizingtool@.service")
        #expect(!app.runsAsRoot)
    }

    @Test func parsesOptionalEnvFilesQuotedEnvironmentAndPrefixedWorkingDirectory() {
        let ngrok = SystemctlShowParser.parse(Self.output)[1]
        #expect(ngrok.environmentFiles == [EnvironmentFileRef(path: "/etc/a.env", optional: true), EnvironmentFileRef(path: "/etc/b.env", optional: false)])
        #expect(ngrok.environment["NGROK_CONFIG"]?.revealedForAnalysis == "/home/calb/.config/ngrok/ngrok.yml")
        #expect(ngrok.environment["GREETING"]?.revealedForAnalysis == "hello world")
        #expect(ngrok.workingDirectory == "/home/calb")
        #expect(ngrok.standardOutput == "syslog" && ngrok.nRestarts == 3)
    }
}

@Suite struct JournalAnalyzerTests {
    static func line(_ message: String, unit: String = "app@prod.service", priority: Int = 6) -> String {
        let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
        return "{\"MESSAGE\":\"\(escaped)\",\"PRIORITY\":\"\(priority)\",\"_SYSTEMD_UNIT\":\"\(unit)\"}"
    }

    static func systemd(_ id: String, about unit: String) -> String {
        "{\"MESSAGE\":\"x\",\"_SYSTEMD_UNIT\":\"init.scope\",\"UNIT\":\"\(unit)\",\"MESSAGE_ID\":\"\(id)\"}"
    }

    @Test func countsTracebacksAndTheirExceptionTypes() {
        let lines = [
            "Uncaught app execution", "Traceback (most recent call last):", "  File \"/app/app.py\", line 3, in <module>",
            "    st.data_editor(x)", "streamlit.errors.StreamlitValueAssignmentNotAllowedError: Values for the widget cannot be set",
            "Traceback (most recent call last):", "  File \"/app/x.py\", line 1, in <module>", "ModuleNotFoundError: No module named 'pandas'",
            "ERROR something bad",
        ].map { Self.line($0) }
        let facts = JournalAnalyzer.unitLogs(JournalAnalyzer.entries(fromJSONLines: lines.joined(separator: "\n")), units: ["app@prod.service"])[0]
        #expect(facts.tracebacks == 2)
        #expect(facts.exceptionTypes == ["StreamlitValueAssignmentNotAllowedError": 1, "ModuleNotFoundError": 1])
        #expect(facts.moduleNotFound == ["pandas"])
        #expect(facts.errorLines == 1)
        #expect(facts.lines == 9)
    }

    @Test func aChainedTracebackCountsOnce() {
        let text = ["Traceback (most recent call last):", "  File \"a.py\", line 1", "KeyError: 'x'", "",
                    "During handling of the above exception, another exception occurred:", "",
                    "Traceback (most recent call last):", "  File \"a.py\", line 2", "ValueError: bad"].map { Self.line($0) }.joined(separator: "\n")
        let facts = JournalAnalyzer.unitLogs(JournalAnalyzer.entries(fromJSONLines: text), units: ["app@prod.service"])[0]
        #expect(facts.tracebacks == 1)
        #expect(facts.exceptionTypes == ["ValueError": 1])
    }

    @Test func countsSystemdStartsStopsAndFailuresAboutTheUnit() {
        let text = [
            Self.systemd(JournalAnalyzer.unitStarted, about: "app@prod.service"), Self.systemd(JournalAnalyzer.unitStopped, about: "app@prod.service"),
            Self.systemd(JournalAnalyzer.unitFailed, about: "app@prod.service"), Self.systemd(JournalAnalyzer.unitStarted, about: "app@prod.service"),
            Self.systemd(JournalAnalyzer.unitStarted, about: "other.service"),
        ].joined(separator: "\n")
        let facts = JournalAnalyzer.unitLogs(JournalAnalyzer.entries(fromJSONLines: text), units: ["app@prod.service"])[0]
        #expect((facts.starts, facts.stops, facts.failures) == (2, 1, 1))
        #expect(facts.lines == 0)
    }

    @Test func gunicornTimeoutsAndCsrf() {
        let text = ["[2025-01-01 10:00:00 +0000] [12] [CRITICAL] WORKER TIMEOUT (pid:15)", "Forbidden (CSRF cookie not set.): /login/"]
            .map { Self.line($0) }.joined(separator: "\n")
        let facts = JournalAnalyzer.unitLogs(JournalAnalyzer.entries(fromJSONLines: text), units: ["app@prod.service"])[0]
        #expect(facts.workerTimeouts == 1 && facts.csrfFailures == 1)
    }

    @Test func samplesAreScrubbedOfCredentials() {
        let text = Self.line("ERROR cannot connect to postgres://app:hunter2@db/app", priority: 3)
        let facts = JournalAnalyzer.unitLogs(JournalAnalyzer.entries(fromJSONLines: text), units: ["app@prod.service"])[0]
        #expect(facts.samples.count == 1)
        #expect(!facts.samples[0].contains("hunter2"))
    }

    @Test func hostLogsCountOomVictimsAndSshSources() {
        let oom = JournalAnalyzer.entries(fromJSONLines: "{\"MESSAGE\":\"Out of memory: Killed process 1275 (python) total-vm:1000kB\"}")
        let ssh = JournalAnalyzer.entries(fromJSONLines: [
            "{\"MESSAGE\":\"Failed password for root from 203.0.113.7 port 52144 ssh2\"}",
            "{\"MESSAGE\":\"Failed password for invalid user admin from 203.0.113.7 port 52145 ssh2\"}",
            "{\"MESSAGE\":\"Failed password for root from 198.51.100.2 port 4000 ssh2\"}",
            "{\"MESSAGE\":\"Invalid user admin from 203.0.113.7 port 52145\"}",
            "{\"MESSAGE\":\"Failed password for invalid user from from 198.51.100.2 port 4001 ssh2\"}",
        ].joined(separator: "\n"))
        let facts = JournalAnalyzer.hostLogs(oom: oom, ssh: ssh)
        #expect(facts.oomKills == 1 && facts.oomVictims == ["python (pid 1275)"])
        #expect(facts.sshFailedPasswords == 4)
        #expect(facts.sshSources == ["203.0.113.7": 2, "198.51.100.2": 2])
    }

    @Test func nonJSONLinesAreSkippedAndByteArrayMessagesDecoded() {
        let entries = JournalAnalyzer.entries(fromJSONLines: "not json\n{\"MESSAGE\":[104,105]}")
        #expect(entries.map(\.message) == ["hi"])
    }
}

@Suite struct ProcParserTests {
    @Test func meminfoInBytes() {
        let m = ProcParsers.meminfo("MemTotal:        1887436 kB\nMemFree:  100 kB\nMemAvailable:     838860 kB\nSwapTotal:  917500 kB\nSwapFree:  917500 kB\n")
        #expect(m.totalBytes == 1887436 * 1024 && m.availableBytes == 838860 * 1024 && m.swapTotalBytes == 917500 * 1024 && m.swapUsedPercent == 0)
    }

    @Test func listeningTcpSocketsOnly() {
        let text = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000:213F 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 31337 1 0000000000000000 100 0 0 10 0
               1: 0100007F:0FC8 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 31338 1 0000000000000000 100 0 0 10 0
               2: 0100007F:0FC8 0100007F:9C40 01 00000000:00000000 00:00000000 00000000   999        0 31339 1 0000000000000000 100 0 0 10 0
            """
        let s = ProcParsers.netSockets(text, ipv6: false)
        #expect(s == [.init(address: "0.0.0.0", port: 8511, inode: 31337), .init(address: "127.0.0.1", port: 4040, inode: 31338)])
    }

    @Test func ipv6Addresses() {
        #expect(ProcParsers.ipv6Address("00000000000000000000000000000000") == "::")
        #expect(ProcParsers.ipv6Address("00000000000000000000000001000000") == "::1")
        #expect(ProcParsers.ipv6Address("0000000000000000FFFF00000100007F") == "::ffff:127.0.0.1")
    }

    @Test func unitFromCgroup() {
        #expect(ProcParsers.unit(fromCgroup: "0::/system.slice/system-calb\\x2dsizingtool.slice/calb-sizingtool@prod.service\n") == "calb-sizingtool@prod.service")
        #expect(ProcParsers.unit(fromCgroup: "0::/user.slice/user-0.slice/session-1.scope\n") == nil)
    }

    @Test func statWithSpacesInComm() throws {
        let s = try #require(ProcParsers.stat("42 (my (odd) proc) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 1 0 1000 123456 789 18446744073709551615"))
        #expect(s.pid == 42 && s.comm == "my (odd) proc" && s.cpuTicks == 300 && s.startTicks == 1000 && s.rssPages == 789)
    }

    @Test func mountHoldingPathIsTheLongestPrefix() {
        let mounts = ProcParsers.mounts("/dev/vda / ext4 rw 0 0\ntmpfs /opt/calb tmpfs rw 0 0\ntmpfs /opt/calbx tmpfs rw 0 0\n/dev/x /mnt/with\\040space ext4 rw 0 0\n")
        #expect(ProcParsers.mount(holding: "/opt/calb/prod/X", in: mounts)?.mountPoint == "/opt/calb")
        #expect(ProcParsers.mount(holding: "/opt/other", in: mounts)?.mountPoint == "/")
        #expect(mounts.last?.mountPoint == "/mnt/with space")
    }
}

@Suite struct GitAndEnvParserTests {
    @Test func porcelainV2OnABranchWithChanges() {
        let text = """
            # branch.oid 6c618bc0123456789abcdef0123456789abcdef0
            # branch.head refactor/streamlit-structure-v1
            # branch.upstream origin/refactor/streamlit-structure-v1
            # branch.ab +2 -1
            1 .M N... 100644 100644 100644 abc abc requirements.txt
            2 R. N... 100644 100644 100644 abc abc R100 new name.py\told.py
            ? docs/
            """
        let g = GitStatusParser.parse(text, tags: [])
        #expect(g.branch == "refactor/streamlit-structure-v1" && g.tag == nil && g.shortCommit == "6c618bc")
        #expect(g.modified == ["requirements.txt", "new name.py"] && g.untracked == ["docs/"])
        #expect(g.ahead == 2 && g.behind == 1)
        #expect(g.describe == "branch refactor/streamlit-structure-v1")
    }

    @Test func detachedAtATag() {
        let g = GitStatusParser.parse("# branch.oid abcdef1234\n# branch.head (detached)\n", tags: ["v1.10", "v1.9"])
        #expect(g.branch == nil && g.tag == "v1.10" && g.describe == "tag v1.10" && !g.isDirty)
    }

    @Test func envFileSyntax() {
        // `export NAME=…` is no assignment for systemd (the name would be "export NAME"): see EnvFileSystemdTests.
        let pairs = EnvFileParser.parse("# comment\n; also\nPORT=8511\nexport NAME=\"quoted value\"\nQUOTED=\"quoted value\"\nEMPTY=\n  SPACED = x \nnot a line\n")
        #expect(pairs.map(\.key) == ["PORT", "QUOTED", "EMPTY", "SPACED"])
        #expect(pairs.map(\.value) == ["8511", "quoted value", "", "x"])
    }
}

@Suite struct NginxParserTests {
    static let site = """
        upstream ignored { server 127.0.0.1:9; }
        server {
            listen 80;
            server_name example.org www.example.org; # comment
            proxy_set_header Host $host;
            location / {
                proxy_pass http://127.0.0.1:8000/;
            }
            location /api/ {
                proxy_set_header X-Forwarded-Proto $scheme;
                proxy_set_header Host $host;
                proxy_pass http://localhost:8001;
            }
            location /static/ { alias /srv/static/; }
        }
        """

    @Test func serverNamesListenAndLocations() throws {
        let sites = NginxConfigParser.parse(Self.site, file: "/etc/nginx/sites-enabled/app")
        let site = try #require(sites.first)
        #expect(sites.count == 1)
        #expect(site.serverNames == ["example.org", "www.example.org"] && site.listen == ["80"])
        #expect(site.locations.map(\.path) == ["/", "/api/", "/static/"])
        #expect(site.locations[0].proxyPass == "http://127.0.0.1:8000/" && site.locations[0].line == 7)
        #expect(site.locations[0].upstream?.port == 8000)
        // Inherited from the server block, since "/" sets none of its own.
        #expect(site.locations[0].proxySetHeaders == ["Host"])
        #expect(site.locations[1].proxySetHeaders == ["X-Forwarded-Proto", "Host"])
        #expect(site.locations[2].proxyPass == nil)
    }
}

@Suite struct NgrokConfigTests {
    @Test func v3WithTopLevelRegionAndNoTunnels() {
        let p = NgrokConfig.parse("version: \"3\"\nregion: us\nagent:\n  authtoken: x\n", startsAll: true)
        #expect(p.version == "3")
        #expect(p.problems == [
            "field region not found in type config.v3yamlConfig (`region` is a v2 setting; v3 has no region)",
            "Your configuration file must define at least one tunnel when using --all",
        ])
    }

    @Test func validV2WithTunnelPorts() {
        let p = NgrokConfig.parse("version: \"2\"\nauthtoken: x\nregion: eu\ntunnels:\n  app:\n    proto: http\n    addr: 8511\n  web:\n    addr: localhost:8000\n", startsAll: true)
        #expect(p.problems.isEmpty && p.tunnelNames.sorted() == ["app", "web"] && p.tunnelPorts.sorted() == [8000, 8511])
    }

    @Test func unparsableYamlIsAProblemNotACrash() {
        #expect(NgrokConfig.parse("version: [\n", startsAll: false).problems.first?.hasPrefix("YAML does not parse") == true)
    }
}

@Suite struct CommandLinePortTests {
    @Test(arguments: [
        (["python", "-m", "streamlit", "run", "app.py", "--server.port", "${PORT}"], 8511),
        (["gunicorn", "-b", "127.0.0.1:8000", "app:app"], 8000),
        (["uvicorn", "main:app", "--port=9000"], 9000),
        (["gunicorn", "--bind", "unix:/run/app.sock"], nil),
    ] as [([String], Int?)])
    func findsThePort(argv: [String], expected: Int?) {
        #expect(CommandLinePort.find(in: argv, variables: ["PORT": "8511"]) == expected)
    }
}
