/// What `scripts/package` writes into a release binary after linking (the `.steward_build` section, see
/// Sources/CStewardSys/build_stamp.c): the git commit it was built from and when it was linked. The version itself is
/// compiled in (``StewardVersion``): it changes with the source, the commit and date with every build.
///
/// The section's text, up to its first NUL:
///
///     steward-build/1
///     commit=0123456789abcdef0123456789abcdef01234567
///     date=2025-12-02T09:28:00Z
///
/// `commit` is 40 lowercase hex digits, with `-dirty` when the tree had uncommitted changes; `date` is UTC. Unknown keys
/// are ignored (a later stamp may add some). Anything else, such as the placeholder of a build nobody stamped, parses
/// as nil: "built from source".
public struct BuildStamp: Equatable, Sendable {
    public var commit: String
    public var date: String

    public init(commit: String, date: String) {
        self.commit = commit
        self.date = date
    }

    public static let header = "steward-build/1"

    /// Parses the section's bytes (text up to the first NUL); nil unless it is a complete, well-formed stamp.
    public static func parse<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> BuildStamp? {
        let text = Array(bytes.prefix(while: { $0 != 0 }))
        // Printable ASCII and newlines only: what the packager writes.
        guard text.allSatisfy({ $0 == 0x0a || (0x20...0x7e).contains($0) }) else { return nil }
        let lines = String(decoding: text, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first == header else { return nil }
        var commit: String?, date: String?
        for line in lines.dropFirst() where !line.isEmpty {
            guard let eq = line.firstIndex(of: "=") else { return nil }
            let key = line[..<eq], value = String(line[line.index(after: eq)...])
            switch key {
            case "commit": commit = value
            case "date": date = value
            default: continue
            }
        }
        guard let commit, isCommit(commit), let date, isUTCDate(date) else { return nil }
        return BuildStamp(commit: commit, date: date)
    }

    /// The stamp's text for `commit` and `date` (what `scripts/package` writes, before the NUL padding).
    public var text: String { "\(Self.header)\ncommit=\(commit)\ndate=\(date)\n" }

    /// The first 12 hex digits, plus `-dirty` when the tree was.
    public var shortCommit: String {
        let hex = commit.hasSuffix("-dirty") ? String(commit.dropLast(6)) : commit
        return String(hex.prefix(12)) + (commit.hasSuffix("-dirty") ? "-dirty" : "")
    }

    static func isCommit(_ s: String) -> Bool {
        let hex = s.hasSuffix("-dirty") ? s.dropLast(6) : Substring(s)
        return hex.utf8.count == 40 && hex.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// YYYY-MM-DDTHH:MM:SSZ, digits where digits belong (the shape, not the calendar: the packager wrote it with `date`).
    static func isUTCDate(_ s: String) -> Bool {
        let shape = Array("dddd-dd-ddTdd:dd:ddZ".utf8), bytes = Array(s.utf8)
        guard bytes.count == shape.count else { return false }
        return zip(bytes, shape).allSatisfy { b, p in p == UInt8(ascii: "d") ? (0x30...0x39).contains(b) : b == p }
    }
}
