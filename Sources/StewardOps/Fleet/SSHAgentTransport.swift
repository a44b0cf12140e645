import Foundation
import StewardCore
import StewardSystem

/// The fleet's transport: the system's `ssh` (``SSH``'s command lines: strict host keys, no prompts, no forwarding),
/// one master connection per host reused by every command of the run. Every session asks the host's agent to run
/// only if it is this build (`--expect-sha256`, checked by the agent against its cached digest); a host with no
/// copy, another architecture's, or another build's is then readied (``prepare(_:)``: architecture, then SHA-256,
/// then this binary copied over the same connection to a root-only path, atomically) and asked again. A host that
/// has this build costs one round trip, the session itself.
public struct SSHAgentTransport: AgentTransport {
    public var runner: any CommandRunning
    public var binary: SelfBinary
    public var controlDirectory: String
    public var configFile: String?
    public var knownHosts: String?
    /// How long one connection step may take (`uname`, `sha256sum`); the copy gets longer (``copyTimeout``).
    public var stepTimeout: Duration = .seconds(30)
    public var copyTimeout: Duration = .seconds(600)
    /// Whether an agent session rides a master that is up by speaking to its control socket (``SSHMuxSession``)
    /// rather than through a start of `ssh`; a host without a master, or a master that refuses, gets `ssh`.
    public var muxSessions = true

    public init(runner: any CommandRunning = CommandRunner(), binary: SelfBinary, controlDirectory: String = SSH.controlDirectory,
                configFile: String? = nil, knownHosts: String? = nil) {
        self.runner = runner
        self.binary = binary
        self.controlDirectory = controlDirectory
        self.configFile = configFile
        self.knownHosts = knownHosts
    }

    func connection(_ host: FleetHost) -> SSH.Connection {
        var c = SSH.Connection(host, controlDirectory: controlDirectory, knownHosts: knownHosts, configFile: configFile)
        c.controlPath = SSHControlPath.path(c)
        return c
    }

    public func prepare(_ host: FleetHost) async -> Result<HostPreparation, HostProblem> {
        if case .failure(let e) = ControlDirectory.ready(controlDirectory) { return .failure(HostProblem(e.description)) }
        let c = connection(host)
        // The first command opens the master connection: a host down, a refused key or an unknown host key ends here.
        let arch: String
        switch await step(SSH.remoteArchitecture(c), host) {
        case .failure(let p): return .failure(p)
        case .success(let out): arch = out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard arch == binary.architecture else {
            return .failure(HostProblem("\(host.name) is \(arch.prefix(40)), this Steward is built for \(binary.architecture): "
                                        + "install Steward's package for \(arch.prefix(40)) there"))
        }
        if case .success(let out) = await step(SSH.remoteChecksum(c, SSH.remoteBinary), host),
           Self.checksum(out) == binary.sha256 {
            return .success(.reused)
        }
        let token = UUID().uuidString.filter { $0.isLetter || $0.isNumber }.lowercased().prefix(12)
        let steps = SSH.installSteps(c, token: String(token))
        var upload = steps.upload
        // The running executable itself, not the file at its path: a package upgrade during the run replaces that
        // file, and what was hashed is what must arrive.
        upload.inputFile = SelfBinary.runningExecutable
        for (command, timeout) in [(steps.makeDirectory, stepTimeout), (upload, copyTimeout), (steps.makeExecutable, stepTimeout)] {
            if case .failure(let p) = await step(command, host, timeout: timeout) { return .failure(p) }
        }
        // What arrived is checked before it replaces anything.
        switch await step(SSH.remoteChecksum(c, steps.temporary), host) {
        case .failure(let p): return .failure(p)
        case .success(let out):
            guard Self.checksum(out) == binary.sha256 else {
                return .failure(HostProblem("\(host.name): the copy of Steward arrived damaged (its SHA-256 differs); nothing was replaced"))
            }
        }
        if case .failure(let p) = await step(steps.rename, host) { return .failure(p) }
        return .success(.copied)
    }

    public func call(_ host: FleetHost, request: Data, timeout: Duration) async -> Result<String, HostProblem> {
        switch await ask(host, request: request, timeout: timeout) {
        case .failure(let p): return .failure(p)
        case .success(.answered(let stdout)): return .success(stdout)
        case .success(.notThisBuild(let r)): return .failure(HostProblem(Self.problem(host, r)))
        }
    }

    public func session(_ host: FleetHost, request: Data, timeout: Duration) async -> (preparation: HostPreparation?, answer: Result<String, HostProblem>) {
        if case .failure(let e) = ControlDirectory.ready(controlDirectory) { return (nil, .failure(HostProblem(e.description))) }
        switch await ask(host, request: request, timeout: timeout) {
        case .failure(let p): return (nil, .failure(p))
        case .success(.answered(let stdout)): return (.reused, .success(stdout))
        case .success(.notThisBuild): break
        }
        switch await prepare(host) {
        case .failure(let p): return (nil, .failure(p))
        case .success(let preparation): return (preparation, await call(host, request: request, timeout: timeout))
        }
    }

    /// What one agent session came to, before its output is read.
    enum Answer {
        case answered(String)
        /// The host ran no agent of this build: none there (the shell's 127), another architecture's (126), one too
        /// old for `--expect-sha256` (its usage error, 64) or another build (``AgentProtocol/otherBuildExitCode``);
        /// nothing ran and nothing was written on stdout.
        case notThisBuild(CommandResult)
    }

    static let notThisBuildExitCodes: Set<Int32> = [64, 126, 127, AgentProtocol.otherBuildExitCode]

    func ask(_ host: FleetHost, request: Data, timeout: Duration) async -> Result<Answer, HostProblem> {
        let c = connection(host)
        var answer: Result<CommandResult, RunnerError>?
        if muxSessions, let socket = c.controlPath {
            switch await SSHMuxSession.run(socket: socket, command: SSH.agentCommandLine(expecting: binary.sha256), input: Array(request), timeout: timeout) {
            case .success(let r): answer = .success(r)
            case .failure(.unavailable): answer = nil
            case .failure(.timedOut): answer = .failure(.timedOut("ssh \(host.name)", seconds: Double(timeout.components.seconds)))
            case .failure(.broken(let why)): return .failure(HostProblem("\(host.name): the session broke: \(why)"))
            }
        }
        let result: Result<CommandResult, RunnerError>
        if let answer { result = answer } else { result = await runner.run(SSH.agent(c, expecting: binary.sha256).withInput(Array(request)), timeout: timeout) }
        switch result {
        case .failure(let e): return .failure(HostProblem("\(host.name): \(e)"))
        case .success(let r):
            // ssh's own failures exit 255 with its message on stderr; the agent's exit codes are 0-3 and it always
            // writes its last line.
            if r.exitCode == 255 && r.stdout.isEmpty { return .failure(HostProblem(Self.problem(host, r))) }
            if r.stdout.isEmpty && Self.notThisBuildExitCodes.contains(r.exitCode) { return .success(.notThisBuild(r)) }
            return .success(.answered(r.stdout))
        }
    }

    func step(_ command: Command, _ host: FleetHost, timeout: Duration? = nil) async -> Result<String, HostProblem> {
        switch await runner.run(command, timeout: timeout ?? stepTimeout) {
        case .failure(let e): return .failure(HostProblem("\(host.name): \(e)"))
        case .success(let r) where r.exitCode != 0: return .failure(HostProblem(Self.problem(host, r)))
        case .success(let r): return .success(r.stdout)
        }
    }

    /// The hex digest of `sha256sum`'s line.
    static func checksum(_ line: String) -> String {
        String(line.prefix { $0.isHexDigit })
    }

    /// A failed step as one line: ssh's or the remote program's last words on stderr (ssh says which host and why:
    /// "Host key verification failed.", "Connection refused"), bounded; never the command's own arguments.
    static func problem(_ host: FleetHost, _ r: CommandResult) -> String {
        // ssh ends its warnings' lines with \r\n (one Character in Swift: split on any newline).
        let lines = r.stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let said = lines.last(where: { !$0.hasPrefix("Warning: Permanently added") }) ?? "no message"
        let who = r.exitCode == 255 ? "ssh" : "the host"
        return "\(host.name) (\(host.destination)): \(who) failed (exit \(r.exitCode)): \(said.prefix(300))"
    }
}
