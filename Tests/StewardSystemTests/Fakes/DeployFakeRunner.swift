import Foundation
import StewardCore
@testable import StewardSystem

/// The host a deploy engine sees through its runner, in memory: git's HEAD and tags (a checkout moves HEAD), the
/// units (always willing), and the checks' answer, which fails while a commit in ``unhealthy`` serves. A test makes
/// any command fail (``fail(_:times:)``) or answers it itself (``answer(_:_:)``, which may also change the tree).
/// Every command is recorded (``ran``) as the line it would be.
final class DeployFakeRunner: CommandRunning, @unchecked Sendable {
    private let lock = NSLock()
    private var head: String
    private let tags: [String: String]
    private var failures: [(match: String, times: Int)] = []
    private var answers: [(match: String, answer: (Command) -> CommandResult)] = []
    private var lines: [String] = []
    private var unhealthyCommits: Set<String> = []

    init(head: String, tags: [String: String]) {
        self.head = head
        self.tags = tags
    }

    /// The commit checked out now.
    var checkedOut: String { lock.withLock { head } }
    /// Every command run so far, as its line.
    var ran: [String] { lock.withLock { lines } }

    /// Commands whose line contains `match` exit 1 (the next `times` of them).
    func fail(_ match: String, times: Int = .max) { lock.withLock { failures.append((match, times)) } }

    /// Commands whose line contains `match` get what `answer` returns (it may act on the tree first).
    func answer(_ match: String, _ answer: @escaping (Command) -> CommandResult) { lock.withLock { answers.append((match, answer)) } }

    /// The checks fail while `commit` is checked out.
    func unhealthy(_ commit: String) { lock.withLock { _ = unhealthyCommits.insert(commit) } }

    /// HEAD moves to `commit`, as a checkout by an earlier (interrupted) run left it.
    func checkOut(_ commit: String) { lock.withLock { head = commit } }

    /// The instance's checks: nil when they pass.
    func health() -> String? {
        lock.withLock { unhealthyCommits.contains(head) ? "GET /health answered 500 on \(head)" : nil }
    }

    func run(_ command: Command, timeout: Duration) async -> Result<CommandResult, RunnerError> {
        let line = command.description
        let custom: ((Command) -> CommandResult)? = lock.withLock {
            lines.append(line)
            if let i = failures.firstIndex(where: { line.contains($0.match) && $0.times > 0 }) {
                failures[i].times -= 1
                return { _ in CommandResult(exitCode: 1, stdout: "", stderr: "fake failure of \(line)") }
            }
            return answers.last { line.contains($0.match) }?.answer
        }
        if let custom { return .success(custom(command)) }
        return .success(lock.withLock { git(command.argv) })
    }

    /// git as the engine uses it; everything else succeeds silently.
    private func git(_ argv: [String]) -> CommandResult {
        let ok = { (out: String) in CommandResult(exitCode: 0, stdout: out, stderr: "") }
        guard argv.contains("git"), let dir = argv.firstIndex(of: "-C"), dir + 2 < argv.count else { return ok("") }
        let args = Array(argv[(dir + 2)...])
        switch args.first {
        case "rev-parse" where args.contains("HEAD"):
            return ok(head + "\n")
        case "rev-parse":
            let ref = (args.last ?? "").replacingOccurrences(of: "^{commit}", with: "")
            let commit = ref.hasPrefix("refs/tags/") ? tags[String(ref.dropFirst(10))] : (tags.values.contains(ref) ? ref : nil)
            return commit.map { ok($0 + "\n") } ?? CommandResult(exitCode: 1, stdout: "", stderr: "")
        case "tag":
            let commit = args.count > 2 ? args[2] : head
            return ok(tags.filter { $0.value == commit }.keys.sorted().reversed().joined(separator: "\n"))
        case "checkout":
            head = args.last ?? head
            return ok("")
        case "config":
            return ok("/srv/git/chip.git\n")
        default:
            return ok("")
        }
    }
}
