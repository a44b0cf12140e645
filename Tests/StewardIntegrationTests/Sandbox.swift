import Foundation
import Testing

/// A real systemd booted as PID 1 of new namespaces by `Tests/Scenarios/sandbox.sh`, with one scenario built in it.
/// Commands run inside with nsenter; `stop` kills the namespace and removes every file the scenario wrote.
final class Sandbox: Sendable {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = packageRoot.appendingPathComponent("Tests/Scenarios/sandbox.sh").path

    /// The steward binary under test: `STEWARD_BIN`, else the package's debug build.
    static var stewardBinary: String {
        if let bin = ProcessInfo.processInfo.environment["STEWARD_BIN"] { return bin }
        return packageRoot.appendingPathComponent(".build/debug/steward").path
    }

    let state: String

    private init(state: String) { self.state = state }

    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to completion with output captured through files (a pipe could be held open by a daemon
    /// the program leaves behind, such as the sandbox's systemd).
    static func run(_ argv: [String]) throws -> Output {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("steward-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path, err = dir.appendingPathComponent("err").path
        // posix_spawn and a blocking waitpid rather than Foundation's Process: its waitUntilExit was seen to miss
        // a child's exit (the child stayed a zombie and the test hung).
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Signals as a shell would give them: nothing blocked, default dispositions (the test runner's own mask would
        // otherwise be inherited, and a `kill` inside the sandbox would not stop what the test started).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, environ)
        guard spawned == 0 else { throw SandboxError("cannot run \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Output(status: code,
                      stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    static func boot(_ scenario: String) throws -> Sandbox {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("steward-sbx-\(scenario)-\(UUID().uuidString.prefix(8))").path
        let r = try run(["/bin/bash", script, "start", scenario, state])
        guard r.status == 0 else {
            _ = try? run(["/bin/bash", script, "stop", state])
            throw SandboxError("sandbox \(scenario) did not boot (exit \(r.status)):\n\(r.stderr.suffix(3000))")
        }
        return Sandbox(state: state)
    }

    /// Runs argv inside the sandbox.
    func exec(_ argv: [String]) throws -> Output {
        try Self.run(["/bin/bash", Self.script, "exec", state, "--"] + argv)
    }

    /// Runs `steward ARGS…` inside the sandbox.
    func steward(_ args: [String]) throws -> Output {
        try exec([Self.stewardBinary] + args)
    }

    func stop() {
        _ = try? Self.run(["/bin/bash", Self.script, "stop", state])
    }
}

struct SandboxError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Boots one sandbox for a whole suite and always tears it down, however the suite ends.
struct SandboxScenario: SuiteTrait, TestScoping {
    let scenario: String
    var isRecursive: Bool { false }

    @TaskLocal static var current: Sandbox?

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let sandbox = try Sandbox.boot(scenario)
        defer { sandbox.stop() }
        try await Self.$current.withValue(sandbox) { try await function() }
    }

    static func sandbox() throws -> Sandbox {
        guard let current else { throw SandboxError("no sandbox: the suite needs the .sandbox trait") }
        return current
    }
}

extension Trait where Self == SandboxScenario {
    /// `@Suite(.sandbox("n1"))`: boot the scenario once for the suite.
    static func sandbox(_ scenario: String) -> SandboxScenario { SandboxScenario(scenario: scenario) }
}
