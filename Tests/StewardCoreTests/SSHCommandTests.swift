import Testing
import StewardCore

/// The fleet's OpenSSH command lines, as exact argv: strict host keys, no prompts, nothing forwarded, one master
/// connection per host in root's own directory, and remote commands made of fixed words only.
@Suite struct SSHCommandTests {
    static let options = [
        "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UpdateHostKeys=no",
        "-o", "ForwardAgent=no", "-o", "ForwardX11=no", "-o", "ClearAllForwardings=yes", "-o", "PermitLocalCommand=no",
        "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
        "-o", "ControlMaster=auto", "-o", "ControlPath=/run/steward/ssh/%C", "-o", "ControlPersist=60s",
    ]

    @Test func theAgentRunsOverTheMasterConnectionWithStrictKeysAndNoForwarding() {
        let host = FleetHost(name: "n1-prod", destination: "root@203.0.113.7", port: 2222)
        #expect(SSH.agent(SSH.Connection(host)).argv
                == ["ssh", "-T"] + Self.options + ["-p", "2222", "--", "root@203.0.113.7", "/var/lib/steward/bin/steward", "agent"])
        let tests = SSH.Connection(destination: "n1", controlDirectory: "/tmp/ctl", persistSeconds: 5, connectTimeoutSeconds: 3,
                                   knownHosts: "/tmp/known_hosts")
        #expect(SSH.remoteVersion(tests).argv == ["ssh", "-T",
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UpdateHostKeys=no",
            "-o", "ForwardAgent=no", "-o", "ForwardX11=no", "-o", "ClearAllForwardings=yes", "-o", "PermitLocalCommand=no",
            "-o", "ConnectTimeout=3", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
            "-o", "ControlMaster=auto", "-o", "ControlPath=/tmp/ctl/%C", "-o", "ControlPersist=5s",
            "-o", "UserKnownHostsFile=/tmp/known_hosts", "-o", "GlobalKnownHostsFile=/dev/null",
            "--", "n1", "/var/lib/steward/bin/steward", "version", "--format", "json"])
    }

    @Test func anSshConfigFileComesFirstAndTheRequestGoesOnStandardInput() {
        let c = SSH.Connection(destination: "web1", configFile: "/etc/steward/ssh_config")
        let agent = SSH.agent(c).withInput(Array(#"{"operation":"audit"}"#.utf8))
        #expect(agent.argv == ["ssh", "-T", "-F", "/etc/steward/ssh_config"] + Self.options + ["--", "web1", "/var/lib/steward/bin/steward", "agent"])
        #expect(agent.input?.count == 21)
        let hex = String(repeating: "0f", count: 32)
        #expect(SSH.agent(c, expecting: hex).argv
                == ["ssh", "-T", "-F", "/etc/steward/ssh_config"] + Self.options + ["--", "web1", "/var/lib/steward/bin/steward", "agent", "--expect-sha256", hex])
        #expect(agent.display.hasSuffix("agent (+ 21 bytes on standard input)"))
    }

    /// A connection whose control socket Steward names: that path in ssh's options, and the agent's line as ssh
    /// would join its words for the host's shell (what a session opened on the socket asks for).
    @Test func aNamedControlSocketAndTheAgentsCommandLine() {
        var c = SSH.Connection(destination: "web1")
        c.controlPath = "/run/steward/ssh/0123456789abcdef0123456789abcdef"
        #expect(SSH.agent(c).argv.contains("ControlPath=/run/steward/ssh/0123456789abcdef0123456789abcdef"))
        #expect(!SSH.agent(c).argv.contains("ControlPath=/run/steward/ssh/%C"))
        let hex = String(repeating: "0f", count: 32)
        #expect(SSH.agentCommandLine(expecting: hex) == "/var/lib/steward/bin/steward agent --expect-sha256 " + hex)
        #expect(SSH.agentCommandLine() == "/var/lib/steward/bin/steward agent")
        #expect(Array(SSH.agent(c, expecting: hex).argv.suffix(4)) == SSH.agentCommandLine(expecting: hex).split(separator: " ").map(String.init))
    }

    /// OpenSSH's multiplexing messages as exact bytes (PROTOCOL.mux, version 4), and the master's answers read back.
    @Test func theMultiplexingMessagesAreOpenSSHsBytes() {
        #expect(SSHMuxMessage.clientHello() == [0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 4])
        let session = SSHMuxMessage.newSession(requestID: 7, command: "true")
        #expect(session == [0, 0, 0, 44,
                            0x10, 0, 0, 2, 0, 0, 0, 7, // MUX_C_NEW_SESSION, request id
                            0, 0, 0, 0, // reserved (an empty string)
                            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // no tty, X11, agent, subsystem
                            0xFF, 0xFF, 0xFF, 0xFE, // no escape character
                            0, 0, 0, 0, // terminal type: none
                            0, 0, 0, 4] + Array("true".utf8))
        #expect(SSHMuxMessage.reply([0, 0, 0, 1, 0, 0, 0, 4]) == .hello(version: 4))
        #expect(SSHMuxMessage.reply([0x80, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 3]) == .sessionOpened(requestID: 7, sessionID: 3))
        #expect(SSHMuxMessage.reply([0x80, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 2] + Array("no".utf8)) == .refused("no"))
        #expect(SSHMuxMessage.reply([0x80, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 10]) == .exited(sessionID: 3, status: 10))
        #expect(SSHMuxMessage.reply([0x80, 0, 0, 4, 0, 0]) == nil)
        #expect(SSHMuxMessage.reply([0, 0]) == nil)
        #expect(SSHMuxMessage.length(header: [0, 0, 1, 2]) == 258)
    }

    @Test func theBinaryIsInstalledByOneProgramPerStepAndRenamedIntoPlace() {
        let c = SSH.Connection(destination: "n1")
        let steps = SSH.installSteps(c, token: "a1b2c3")
        #expect(steps.temporary == "/var/lib/steward/bin/steward.new.a1b2c3")
        let tail = { (command: Command) in Array(command.argv.drop { $0 != "n1" }.dropFirst()) }
        #expect(tail(steps.makeDirectory) == ["install", "-d", "-m", "0700", "-o", "root", "-g", "root", "/var/lib/steward/bin"])
        #expect(tail(steps.upload) == ["dd", "of=/var/lib/steward/bin/steward.new.a1b2c3", "bs=1M", "oflag=nofollow", "conv=fsync", "status=none"])
        #expect(tail(steps.makeExecutable) == ["chmod", "0700", "/var/lib/steward/bin/steward.new.a1b2c3"])
        #expect(tail(steps.rename) == ["mv", "-f", "-T", "/var/lib/steward/bin/steward.new.a1b2c3", "/var/lib/steward/bin/steward"])
        #expect(tail(SSH.remoteChecksum(c, SSH.remoteBinary)) == ["sha256sum", "--", "/var/lib/steward/bin/steward"])
        #expect(tail(SSH.remoteArchitecture(c)) == ["uname", "-m"])
        for step in [steps.makeDirectory, steps.upload, steps.makeExecutable, steps.rename] {
            #expect(step.argv.prefix(2) == ["ssh", "-T"] && step.argv.contains("--"))
        }
    }

    @Test func controlAndConfigCommandsAndKeyTools() {
        let c = SSH.Connection(destination: "web")
        #expect(SSH.control(c, .check).argv == ["ssh", "-O", "check"] + Self.options + ["--", "web"])
        #expect(SSH.control(c, .exit).argv == ["ssh", "-O", "exit"] + Self.options + ["--", "web"])
        #expect(SSH.effectiveConfig(c).argv == ["ssh", "-G"] + Self.options + ["--", "web"])
        #expect(SSHKeyscan.scan(host: "203.0.113.7", port: 2222).argv
                == ["ssh-keyscan", "-T", "5", "-p", "2222", "-t", "ed25519,ecdsa,rsa", "--", "203.0.113.7"])
        #expect(SSHKeygen.fingerprints(file: "/tmp/keys").argv == ["ssh-keygen", "-l", "-f", "/tmp/keys"])
        #expect(SSHKeygen.find(host: "n1", port: 22, in: "/root/.ssh/known_hosts").argv == ["ssh-keygen", "-F", "n1", "-f", "/root/.ssh/known_hosts"])
        #expect(SSHKeygen.find(host: "n1", port: 2222, in: "/k").argv == ["ssh-keygen", "-F", "[n1]:2222", "-f", "/k"])
    }

    /// ssh hands the words after the destination to the remote shell as one line: only fixed words may go there.
    @Test(arguments: ["a;b", "$(id)", "a b", "`id`", "x|y", "a&b", "'q'", "\"q\"", "~root", "*", "a\nb", ""])
    func wordsTheRemoteShellWouldInterpretAreRefused(_ word: String) {
        #expect(!SSH.remoteWordIsSafe(word))
    }

    @Test func ourOwnWordsAreSafe() {
        for word in ["/var/lib/steward/bin/steward", "agent", "--format", "json", "of=/x.new", "bs=1M", "-T", "0700"] {
            #expect(SSH.remoteWordIsSafe(word), "\(word)")
        }
    }
}
