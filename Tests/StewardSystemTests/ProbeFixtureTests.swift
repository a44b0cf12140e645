import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

/// Probes that read files, pointed at fixture trees through the file root (node_exporter's `--path.rootfs`).
@Suite struct ProbeFixtureTests {
    @Test func hostProbeReadsProcUnderTheRoot() throws {
        let t = try TempTree()
        try t.write("/proc/meminfo", "MemTotal: 2000000 kB\nMemAvailable: 500000 kB\nSwapTotal: 1000 kB\nSwapFree: 500 kB\n")
        try t.write("/proc/loadavg", "0.57 0.19 0.07 1/123 4567\n")
        try t.write("/proc/uptime", "29956.12 50000.00\n")
        try t.write("/proc/sys/kernel/hostname", "armbian\n")
        try t.write("/proc/sys/kernel/osrelease", "6.12.59-ophub\n")
        try t.write("/proc/1275/stat", "1275 (python) S 1 1275 1275 0 -1 4194304 100 0 0 0 900 100 0 0 20 0 1 0 100 123456 5000 18446744073709551615\n")
        try t.write("/proc/1275/cmdline", "python\0-m\0streamlit\0--token=abc\0")
        let facts = try HostProbe.gather(ProbeContext(files: HostFiles(root: t.root)))
        #expect(facts.hostname == "armbian" && facts.kernel.hasSuffix("6.12.59-ophub"))
        #expect(facts.load == [0.57, 0.19, 0.07] && facts.uptimeSeconds == 29956)
        #expect(facts.memory.totalBytes == 2_000_000 * 1024 && facts.memory.usedPercent == 75)
        #expect(facts.topProcesses.map(\.pid) == [1275])
        #expect(facts.topProcesses[0].command == "python -m streamlit --token=***MASKED***")
    }

    @Test func missingProcIsAReasonNotACrash() throws {
        let t = try TempTree()
        #expect(throws: ProbeFailure.self) { try HostProbe.gather(ProbeContext(files: HostFiles(root: t.root))) }
    }

    @Test func socketProbeMapsInodesToProcessesAndUnits() throws {
        let t = try TempTree()
        try t.write("/proc/net/tcp", """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000:213F 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 31337 1 0 100 0 0 10 0
               1: 0100007F:0FC8 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 40000 1 0 100 0 0 10 0

            """)
        try t.write("/proc/1275/comm", "python\n")
        try t.write("/proc/1275/cgroup", "0::/system.slice/system-calb\\x2dsizingtool.slice/calb-sizingtool@prod.service\n")
        try t.symlink("/proc/1275/fd/3", to: "socket:[31337]")
        try t.symlink("/proc/1275/fd/4", to: "/dev/null")
        let sockets = try SocketProbe.gather(ProbeContext(files: HostFiles(root: t.root)))
        #expect(sockets == [
            ListeningSocket(proto: .tcp, address: "127.0.0.1", port: 4040),
            ListeningSocket(proto: .tcp, address: "0.0.0.0", port: 8511, pid: 1275, process: "python", unit: "calb-sizingtool@prod.service"),
        ])
    }

    @Test func aSocketSystemdActivatesBelongsToTheServiceThatUsesIt() throws {
        // PID 1 holds a socket-activated listener too; the unit (and so the app's port) is the service's.
        let t = try TempTree()
        try t.write("/proc/net/tcp", """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000:1F44 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 50000 1 0 100 0 0 10 0

            """)
        try t.write("/proc/1/comm", "systemd\n")
        try t.write("/proc/1/cgroup", "0::/init.scope\n")
        try t.symlink("/proc/1/fd/40", to: "socket:[50000]")
        try t.write("/proc/2300/comm", "gunicorn\n")
        try t.write("/proc/2300/cgroup", "0::/system.slice/chip_dashboard.service\n")
        try t.symlink("/proc/2300/fd/3", to: "socket:[50000]")
        let sockets = try SocketProbe.gather(ProbeContext(files: HostFiles(root: t.root)))
        #expect(sockets == [ListeningSocket(proto: .tcp, address: "0.0.0.0", port: 8004, pid: 2300, process: "gunicorn", unit: "chip_dashboard.service")])
    }

    @Test func envFilesGiveOwnerModeAndKeysButKeepValuesSecret() async throws {
        let t = try TempTree()
        try t.write("/etc/app/prod.env", "PORT=8511\nSECRET_KEY=s3cr3t-canary\n", mode: 0o640)
        let files = await FilesProbe.envFiles(ProbeContext(files: HostFiles(root: t.root)), paths: ["/etc/app/prod.env", "/etc/app/missing.env"]).files
        #expect(files[0].exists && files[0].mode == 0o640 && files[0].keys == ["PORT", "SECRET_KEY"] && files[0].port == 8511)
        #expect(files[0].owner == "root" || Int(files[0].owner) != nil)
        #expect(!files[1].exists)
        #expect(!"\(files[0].values)".contains("s3cr3t"))
        #expect(!JSONRenderer.render(files).contains("s3cr3t"))
    }

    @Test func venvIsReadFromPyvenvCfg() throws {
        let t = try TempTree()
        try t.write("/opt/app/.venv/pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.10.12\n")
        try t.write("/usr/bin/python3", "", mode: 0o755)
        let venv = try #require(FilesProbe.venv(HostFiles(root: t.root), dir: "/opt/app"))
        #expect(venv == VenvFacts(path: "/opt/app/.venv", pythonVersion: "3.10.12", home: "/usr/bin", homeInterpreterExists: true, pythonExists: false))
    }

    @Test func systemPythonFromTheSymlinkWithoutRunningIt() throws {
        let t = try TempTree()
        try t.write("/usr/bin/python3.11", "", mode: 0o755)
        try t.symlink("/usr/bin/python3", to: "python3.11")
        #expect(HostProbe.systemPython(HostFiles(root: t.root)) == "3.11")
    }

    @Test func templateInstancesAreFoundFromEnvFilesOnDisk() throws {
        let t = try TempTree()
        try t.write("/etc/calb-sizingtool/prod.env", "PORT=8511\n")
        try t.write("/etc/calb-sizingtool/test.env", "PORT=8511\n")
        try t.write("/etc/calb-sizingtool/notes.txt", "")
        let unit = "[Service]\nEnvironmentFile=/etc/calb-sizingtool/%i.env\nExecStart=/bin/true\n"
        #expect(SystemdProbe.instancesFromEnvFiles(HostFiles(root: t.root), unitText: unit) == ["prod", "test"])
    }
}

/// Git facts from real repositories made for the test.
@Suite struct GitProbeTests {
    static let env = ["GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"]

    func repo() throws -> TempTree {
        let t = try TempTree()
        try t.write("/app/app.py", "print('hi')\n")
        try t.write("/app/requirements.txt", "streamlit\n")
        try t.sh(["git", "init", "-q", "-b", "main"], cwd: "/app", env: Self.env)
        try t.sh(["git", "add", "."], cwd: "/app", env: Self.env)
        try t.sh(["git", "commit", "-qm", "one"], cwd: "/app", env: Self.env)
        return t
    }

    @Test func branchWithChangesAndUntrackedFiles() async throws {
        let t = try repo()
        try t.write("/app/requirements.txt", "streamlit==1.32\n")
        try t.write("/app/docs/notes.md", "x\n")
        let dir = try #require(await FilesProbe.appDir(ProbeContext(files: HostFiles(root: t.root)), path: "/app"))
        let git = try #require(dir.git)
        #expect(git.branch == "main" && git.tag == nil && git.commit.count == 40)
        #expect(git.modified == ["requirements.txt"] && git.untracked == ["docs/"])
    }

    @Test func detachedAtATag() async throws {
        let t = try repo()
        try t.sh(["git", "tag", "v1.0.0"], cwd: "/app", env: Self.env)
        try t.sh(["git", "checkout", "-q", "v1.0.0"], cwd: "/app", env: Self.env)
        let git = try #require(await FilesProbe.appDir(ProbeContext(files: HostFiles(root: t.root)), path: "/app")?.git)
        #expect(git.branch == nil && git.tag == "v1.0.0" && !git.isDirty && git.untracked.isEmpty)
    }

    @Test func notARepositoryHasNoGitFacts() async throws {
        let t = try TempTree()
        try t.mkdir("/plain", mode: 0o777)
        let dir = try #require(await FilesProbe.appDir(ProbeContext(files: HostFiles(root: t.root)), path: "/plain"))
        #expect(dir.exists && dir.git == nil && dir.isWorldWritable)
    }
}

/// Steward runs git as root in checkouts others own: nothing their config names may run.
@Suite struct GitSafetyTests {
    @Test func fsmonitorConfiguredInTheRepoIsNeverRun() async throws {
        let t = try GitProbeTests().repo()
        let marker = t.root + "/fsmonitor-ran"
        try t.write("/hook.sh", "#!/bin/sh\ntouch \(marker)\n", mode: 0o755)
        try t.sh(["git", "config", "core.fsmonitor", t.root + "/hook.sh"], cwd: "/app")
        let dir = try #require(await FilesProbe.appDir(ProbeContext(files: HostFiles(root: t.root)), path: "/app"))
        #expect(dir.git != nil)
        #expect(!FileManager.default.fileExists(atPath: marker), "git ran the repository's fsmonitor program")
    }
}
