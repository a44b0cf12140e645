/// The pure decision for a directory of numbered SQL migrations (seed 003's `db/migrations/000_init.sql`):
/// which files are pending, in order, and whether an applied file was edited or removed since (refused: the
/// database would no longer match what the repository says it is).
public enum SQLMigrationPlan {
    public struct File: Sendable, Equatable {
        public var name: String
        public var checksum: String
        public init(name: String, checksum: String) {
            self.name = name
            self.checksum = checksum
        }
    }

    public enum Outcome: Equatable, Sendable {
        case pending([String])
        case refused(String)
    }

    /// Whether `name` is a migration file: digits, `_`, a name, `.sql` (`007_add_index.sql`).
    public static func isMigration(_ name: String) -> Bool {
        guard name.hasSuffix(".sql"), let underscore = name.firstIndex(of: "_") else { return false }
        let number = name[..<underscore]
        let rest = name[name.index(after: underscore)..<name.index(name.endIndex, offsetBy: -4)]
        return !number.isEmpty && number.allSatisfy(\.isASCII) && number.allSatisfy(\.isNumber)
            && !rest.isEmpty && rest.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
    }

    /// The files in apply order: by number, then name (`2_b.sql` before `10_a.sql`).
    public static func ordered(_ names: [String]) -> [String] {
        names.filter(isMigration).sorted { a, b in
            let na = Int(a.prefix { $0.isNumber }) ?? 0, nb = Int(b.prefix { $0.isNumber }) ?? 0
            return na != nb ? na < nb : a < b
        }
    }

    public static func plan(files: [File], applied: [File]) -> Outcome {
        let byName = Dictionary(files.map { ($0.name, $0.checksum) }, uniquingKeysWith: { a, _ in a })
        for done in applied {
            guard let now = byName[done.name] else {
                return .refused("\(done.name) was applied to the database but is no longer in the repository")
            }
            if now != done.checksum {
                return .refused("\(done.name) was edited after it was applied (checksum \(done.checksum.prefix(12)) "
                                + "in the database, \(now.prefix(12)) in the repository); add a new migration instead")
            }
        }
        let appliedNames = Set(applied.map(\.name))
        return .pending(ordered(files.map(\.name)).filter { !appliedNames.contains($0) })
    }
}
