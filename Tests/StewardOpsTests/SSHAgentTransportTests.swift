import Foundation
import StewardCore
import StewardSystem
import Testing
@testable import StewardOps

/// The transport's decisions over a scripted runner (the real ssh and sshd: FleetSandboxTests): another architecture
/// is refused before anything is copied, a copy whose checksum differs is never renamed into place, the same binary is
/// reused without a copy, and ssh's own failure (exit 255) is the host's reason.
@Suite struct SSHAgentTransportTests {
    /// Answers by the remote command's first word (after the destination); records every command.
    final class ScriptedRunner: CommandRunning, @unchecked Sendable {
        let lock = NSLock()
        var commands: [Command] = []
        let answers: (String, [String]) -> CommandResult

        init(_ answers: @escaping (String, [String]) -> CommandResult) { self.answers = answers }

        func run(_ command: Command, timeout: Duration) async -> Result<CommandResult, RunnerError> {
            lock.withLock { commands.append(command) }
            let remote = Array(command.arguments.drop { $0 != "--" }.dropFirst(2))
            return .success(answers(remote.first ?? "", remote))
        }

        var remoteWords: [String] { lock.withLock { commands.compactMap { $0.arguments.drop { $0 != "--" }.dropFirst(2).first } } }
    }

    static let binary = SelfBinary(path: "/usr/bin/steward", sha256: String(repeating: "a", count: 64), architecture: "x86_64")
    static let host = FleetHost(name: "web1", destination: "root@web1")

    func transport(_ runner: ScriptedRunner) -> SSHAgentTransport {
        SSHAgentTransport(runner: runner, binary: Self.binary, controlDirectory: FileManager.default.temporaryDirectory.path + "/steward-ctl-\(getpid())")
    }

    static func ok(_ out: String = "") -> CommandResult { CommandResult(exitCode: 0, stdout: out, stderr: "") }

    @Test func anotherArchitectureIsRefusedBeforeAnythingIsCopied() async {
        let runner = ScriptedRunner { word, _ in word == "uname" ? Self.ok("aarch64\n") : Self.ok() }
        let r = await transport(runner).prepare(Self.host)
        #expect(r == .failure(HostProblem("web1 is aarch64, this Steward is built for x86_64: install Steward's package for aarch64 there")))
        #expect(runner.remoteWords == ["uname"])
    }

    @Test func theSameBinaryIsReusedAndADamagedCopyIsNeverRenamed() async {
        let same = ScriptedRunner { word, _ in word == "uname" ? Self.ok("x86_64\n") : Self.ok(String(repeating: "a", count: 64) + "  /var/lib/steward/bin/steward\n") }
        #expect(await transport(same).prepare(Self.host) == .success(.reused))
        #expect(same.remoteWords == ["uname", "sha256sum"])

        let damaged = ScriptedRunner { word, args in
            switch word {
            case "uname": return Self.ok("x86_64\n")
            case "sha256sum" where args.last == SSH.remoteBinary: return CommandResult(exitCode: 1, stdout: "", stderr: "No such file")
            case "sha256sum": return Self.ok(String(repeating: "b", count: 64) + "  x\n")
            default: return Self.ok()
            }
        }
        let r = await transport(damaged).prepare(Self.host)
        #expect(r == .failure(HostProblem("web1: the copy of Steward arrived damaged (its SHA-256 differs); nothing was replaced")))
        #expect(damaged.remoteWords == ["uname", "sha256sum", "install", "dd", "chmod", "sha256sum"])
        // The upload is the running executable, given as the input of `dd` on the host.
        #expect(damaged.commands.first { $0.arguments.contains("dd") }?.inputFile == "/proc/self/exe")
    }

    /// A host with this build answers the session itself: one command, the agent told which build to be.
    @Test func aHostWithThisBuildCostsOneRoundTrip() async {
        let runner = ScriptedRunner { _, _ in Self.ok(#"{"type":"result","exit_code":0,"result":{}}"# + "\n") }
        let (preparation, answer) = await transport(runner).session(Self.host, request: Data("{}".utf8), timeout: .seconds(5))
        #expect(preparation == .reused)
        #expect(answer == .success(#"{"type":"result","exit_code":0,"result":{}}"# + "\n"))
        #expect(runner.commands.map { Array($0.arguments.drop { $0 != "--" }.dropFirst(2)) }
                == [["/var/lib/steward/bin/steward", "agent", "--expect-sha256", String(repeating: "a", count: 64)]])
        #expect(runner.commands.first?.input == Array("{}".utf8))
    }

    /// No copy there (the shell's 127), another build (the agent's 10) or one too old to know `--expect-sha256`
    /// (its usage error, 64): the host is readied, this build copied over, and the session asked again.
    @Test func aHostWithoutThisBuildIsReadiedAndAskedAgain() async {
        for refusal in [CommandResult(exitCode: 127, stdout: "", stderr: "bash: line 1: /var/lib/steward/bin/steward: No such file or directory"),
                        CommandResult(exitCode: AgentProtocol.otherBuildExitCode, stdout: "", stderr: "steward agent: this is another build"),
                        CommandResult(exitCode: 64, stdout: "", stderr: "Error: Unknown option '--expect-sha256'")] {
            var agents = 0
            let lock = NSLock()
            let runner = ScriptedRunner { word, args in
                switch word {
                case SSH.remoteBinary:
                    let n = lock.withLock { agents += 1; return agents }
                    return n == 1 ? refusal : Self.ok("done\n")
                case "uname": return Self.ok("x86_64\n")
                case "sha256sum" where args.last == SSH.remoteBinary: return Self.ok(String(repeating: "b", count: 64) + "  x\n")
                case "sha256sum": return Self.ok(String(repeating: "a", count: 64) + "  x\n")
                default: return Self.ok()
                }
            }
            let (preparation, answer) = await transport(runner).session(Self.host, request: Data("{}".utf8), timeout: .seconds(5))
            #expect(preparation == .copied && answer == .success("done\n"), "exit \(refusal.exitCode)")
            #expect(runner.remoteWords == [SSH.remoteBinary, "uname", "sha256sum", "install", "dd", "chmod", "sha256sum", "mv", SSH.remoteBinary])
        }
    }

    /// A host whose agent still is not this build after readying (its copy matched, yet the agent says otherwise:
    /// it cannot read itself) is the host's problem, with the agent's words, not a loop.
    @Test func anAgentThatStaysAnotherBuildIsTheHostsProblem() async {
        let runner = ScriptedRunner { word, _ in
            switch word {
            case SSH.remoteBinary:
                return CommandResult(exitCode: AgentProtocol.otherBuildExitCode, stdout: "",
                                     stderr: "steward agent: cannot read this executable to compare it with the controller's build\n")
            case "uname": return Self.ok("x86_64\n")
            default: return Self.ok(String(repeating: "a", count: 64) + "  x\n")
            }
        }
        let (preparation, answer) = await transport(runner).session(Self.host, request: Data("{}".utf8), timeout: .seconds(5))
        #expect(preparation == .reused)
        #expect(answer == .failure(HostProblem("web1 (root@web1): the host failed (exit 10): steward agent: cannot read this executable to compare it with the controller's build")))
        #expect(runner.remoteWords == [SSH.remoteBinary, "uname", "sha256sum", SSH.remoteBinary])
    }

    @Test func sshsOwnFailureIsTheHostsReason() async {
        let runner = ScriptedRunner { _, _ in
            CommandResult(exitCode: 255, stdout: "", stderr: "@@@@@\r\nIT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\r\nHost key verification failed.\r\n")
        }
        #expect(await transport(runner).prepare(Self.host) == .failure(HostProblem("web1 (root@web1): ssh failed (exit 255): Host key verification failed.")))
        #expect(await transport(runner).call(Self.host, request: Data("{}".utf8), timeout: .seconds(5))
                == .failure(HostProblem("web1 (root@web1): ssh failed (exit 255): Host key verification failed.")))
    }
}

/// `steward hosts trust` writes known_hosts only where no one else could add keys: never through a link, never into
/// a file or directory others can write.
@Suite struct HostTrustFileTests {
    @Test func keysGoOnlyIntoAFileAndDirectoryOnlyStewardsUserCanWrite() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/steward-trust-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let line = "10.0.0.2 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF0q\n"

        #expect(HostTrust.append(line, to: dir + "/known_hosts") == nil)
        #expect(HostTrust.append(line, to: dir + "/known_hosts") == nil)
        #expect(try String(contentsOfFile: dir + "/known_hosts", encoding: .utf8) == line + line)
        #expect(try FileManager.default.attributesOfItem(atPath: dir + "/known_hosts")[.posixPermissions] as? Int == 0o600)

        FileManager.default.createFile(atPath: dir + "/open", contents: nil, attributes: [.posixPermissions: 0o666])
        chmod(dir + "/open", 0o666)
        #expect(HostTrust.append(line, to: dir + "/open")?.hasSuffix("is not a file of Steward's user that only it can write: refusing to record keys there") == true)
        #expect(try String(contentsOfFile: dir + "/open", encoding: .utf8).isEmpty)

        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: dir + "/known_hosts")
        #expect(HostTrust.append(line, to: dir + "/link")?.hasPrefix("cannot write \(dir)/link") == true)

        let shared = dir + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o777])
        chmod(shared, 0o777)
        #expect(HostTrust.append(line, to: shared + "/known_hosts")?.hasPrefix("\(shared) is not a directory of Steward's user") == true)
        #expect(!FileManager.default.fileExists(atPath: shared + "/known_hosts"))
    }
}
