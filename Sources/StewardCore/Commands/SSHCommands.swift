/// `ssh`, `ssh-keyscan` and `ssh-keygen` command lines for the fleet: the system's OpenSSH with the operator's own
/// ssh_config and known_hosts, one master connection per host reused by every command of a run.
///
/// Every connection is non-interactive (`BatchMode`: no password or passphrase prompt, a missing key is an error),
/// checks the host key strictly against known_hosts (a new or changed key is refused; `steward hosts trust` records
/// keys explicitly), and forwards nothing (agent, X11, ports): a compromised host gets no way back to the operator.
///
/// `ssh` joins the words after the destination into one line for the remote user's shell, so the remote command is
/// only ever made of fixed words (``remoteWordIsSafe(_:)``): no name, path or value from a manifest reaches it.
public enum SSH {
    /// How one host is reached.
    public struct Connection: Sendable, Equatable {
        /// `[user@]host` or an ssh_config alias, validated by the manifest (never starts with `-`).
        public var destination: String
        public var port: Int?
        /// The directory of the master connections' sockets: root's own (`/run/steward/ssh`, 0700), so no other
        /// user can ride a connection.
        public var controlDirectory: String
        /// How long a master connection outlives its last command: long enough for the next command of the same
        /// run, short enough to leave nothing behind.
        public var persistSeconds: Int
        public var connectTimeoutSeconds: Int
        /// A known_hosts file instead of the operator's (tests; `--known-hosts`).
        public var knownHosts: String?
        /// An ssh_config file instead of the operator's `~/.ssh/config` (`--ssh-config`; `ssh -F`).
        public var configFile: String?
        /// The master's control socket, named by the fleet (``SSHControlPath``) so that Steward can open a session on
        /// it without starting `ssh` (``SSHMuxMessage``); nil: ssh's own `%C` in ``controlDirectory``.
        public var controlPath: String?

        public init(destination: String, port: Int? = nil, controlDirectory: String = SSH.controlDirectory, persistSeconds: Int = 60,
                    connectTimeoutSeconds: Int = 10, knownHosts: String? = nil, configFile: String? = nil) {
            self.destination = destination
            self.port = port
            self.controlDirectory = controlDirectory
            self.persistSeconds = persistSeconds
            self.connectTimeoutSeconds = connectTimeoutSeconds
            self.knownHosts = knownHosts
            self.configFile = configFile
        }

        public init(_ host: FleetHost, controlDirectory: String = SSH.controlDirectory, knownHosts: String? = nil, configFile: String? = nil) {
            self.init(destination: host.destination, port: host.port, controlDirectory: controlDirectory, knownHosts: knownHosts,
                      configFile: configFile)
        }
    }

    public static let controlDirectory = "/run/steward/ssh"
    /// Where Steward keeps its own binary on a host it operates: a root-only directory, not on any app's path.
    public static let remoteDirectory = "/var/lib/steward/bin"
    public static let remoteBinary = remoteDirectory + "/steward"

    /// The options every command of a connection carries, in this order.
    public static func options(_ c: Connection) -> [String] {
        var options = [
            "BatchMode=yes", "StrictHostKeyChecking=yes", "UpdateHostKeys=no",
            "ForwardAgent=no", "ForwardX11=no", "ClearAllForwardings=yes", "PermitLocalCommand=no",
            "ConnectTimeout=\(c.connectTimeoutSeconds)", "ServerAliveInterval=15", "ServerAliveCountMax=3",
            "ControlMaster=auto", "ControlPath=\(c.controlPath ?? c.controlDirectory + "/%C")", "ControlPersist=\(c.persistSeconds)s",
        ]
        if let knownHosts = c.knownHosts { options += ["UserKnownHostsFile=\(knownHosts)", "GlobalKnownHostsFile=/dev/null"] }
        return (c.configFile.map { ["-F", $0] } ?? []) + options.flatMap { ["-o", $0] } + (c.port.map { ["-p", String($0)] } ?? [])
    }

    /// `ssh -T OPTIONS -- DEST WORDS…`: a command on the host, no terminal. Words that are not fixed safe words are a
    /// programming error, caught here rather than by the remote shell.
    public static func run(_ c: Connection, _ words: [String]) -> Command {
        precondition(!words.isEmpty && words.allSatisfy(remoteWordIsSafe), "remote command words must be fixed safe words: \(words)")
        return Command("ssh", ["-T"] + options(c) + ["--", c.destination] + words)
    }

    /// One operation: `steward agent` reads the request as JSON on its standard input and writes events and the
    /// result as JSON lines. With `expecting` (the controller's SHA-256, 64 hex digits) the agent runs only if it is
    /// that build, and says so by its exit code otherwise: the check costs no round trip of its own.
    public static func agent(_ c: Connection, expecting sha256: String? = nil) -> Command {
        run(c, agentWords(expecting: sha256))
    }

    static func agentWords(expecting sha256: String?) -> [String] {
        [remoteBinary, "agent"] + (sha256.map { ["--expect-sha256", $0] } ?? [])
    }

    /// The line ``agent(_:expecting:)`` has the host's shell run, as `ssh` joins its words: what a session opened
    /// on the master's control socket asks for (``SSHMuxMessage/newSession(requestID:command:)``).
    public static func agentCommandLine(expecting sha256: String? = nil) -> String {
        let words = agentWords(expecting: sha256)
        precondition(words.allSatisfy(remoteWordIsSafe), "remote command words must be fixed safe words: \(words)")
        return words.joined(separator: " ")
    }

    /// `steward version --format json` of the copy on the host (fails when there is none).
    public static func remoteVersion(_ c: Connection) -> Command {
        run(c, [remoteBinary, "version", "--format", "json"])
    }

    /// The SHA-256 of a file on the host: the installed binary, or an upload before it is put in place.
    public static func remoteChecksum(_ c: Connection, _ path: String) -> Command {
        run(c, ["sha256sum", "--", path])
    }

    /// The steps that put a new binary in place, each one program (no remote shell syntax): a root-only directory,
    /// the bytes on standard input into a temporary file beside the target (`dd`, never through a link:
    /// `oflag=nofollow`), executable, checked by the caller with ``remoteChecksum(_:_:)``, then renamed over the
    /// old one (atomic: an agent starting meanwhile runs the old binary or the new, never half of one).
    /// `token` (letters and digits, the run's own) names the temporary file, so two runs copying to one host at once
    /// (a cron'd `check --hosts` and a deploy) each check and rename their own upload, never the other's half-written one.
    public static func installSteps(_ c: Connection, token: String) -> (temporary: String, makeDirectory: Command, upload: Command,
                                                                        makeExecutable: Command, rename: Command) {
        precondition(!token.isEmpty && token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }, "install token: letters and digits")
        let temporary = remoteBinary + ".new." + token
        return (temporary,run(c, ["install", "-d", "-m", "0700", "-o", "root", "-g", "root", remoteDirectory]),
                run(c, ["dd", "of=" + temporary, "bs=1M", "oflag=nofollow", "conv=fsync", "status=none"]),
                run(c, ["chmod", "0700", temporary]),
                run(c, ["mv", "-f", "-T", temporary, remoteBinary]))
    }

    /// `uname -m` of the host: a binary built for another architecture is refused before it is copied.
    public static func remoteArchitecture(_ c: Connection) -> Command {
        run(c, ["uname", "-m"])
    }

    /// `ssh -O check|exit`: whether the master connection is up; closing it (runs leave it to `ControlPersist`, so
    /// the next run within a minute reuses it).
    public static func control(_ c: Connection, _ operation: ControlOperation) -> Command {
        Command("ssh", ["-O", operation.rawValue] + options(c) + ["--", c.destination])
    }

    public enum ControlOperation: String, Sendable {
        case check, exit
    }

    /// `ssh -G`: the configuration ssh would use (the real host name and port behind an alias), for `hosts trust`.
    public static func effectiveConfig(_ c: Connection) -> Command {
        Command("ssh", ["-G"] + options(c) + ["--", c.destination])
    }

    /// A word the remote shell reads as itself: letters, digits and `_ . / - = ,` only (option words of ours such as
    /// `--format` pass; what could make them unsafe, a value from outside, never reaches ``run(_:_:)``).
    public static func remoteWordIsSafe(_ word: String) -> Bool {
        !word.isEmpty && word.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_./-=,".unicodeScalars.contains($0)) }
    }
}

/// `ssh-keyscan`: the keys a host presents, for the operator to compare (`steward hosts trust` shows their
/// fingerprints) before they are recorded.
public enum SSHKeyscan {
    public static func scan(host: String, port: Int) -> Command {
        Command("ssh-keyscan", ["-T", "5", "-p", String(port), "-t", "ed25519,ecdsa,rsa", "--", host])
    }
}

/// `ssh-keygen`: fingerprints of keys (read from a file), and a host's entries in a known_hosts file.
public enum SSHKeygen {
    /// `ssh-keygen -l -f FILE`: one line per key, `256 SHA256:… host (ED25519)`.
    public static func fingerprints(file: String) -> Command {
        Command("ssh-keygen", ["-l", "-f", file])
    }

    /// `ssh-keygen -F HOST -f FILE`: whether (and with which keys) `file` already knows `host` (`[host]:port` for a
    /// port other than 22).
    public static func find(host: String, port: Int, in file: String) -> Command {
        Command("ssh-keygen", ["-F", port == 22 ? host : "[\(host)]:\(port)", "-f", file])
    }

    /// `ssh-keygen -R HOST -f FILE`: removes a host's recorded keys (`steward hosts trust --replace`, before the new
    /// ones are written).
    public static func remove(address: String, from file: String) -> Command {
        Command("ssh-keygen", ["-R", address, "-f", file])
    }
}
