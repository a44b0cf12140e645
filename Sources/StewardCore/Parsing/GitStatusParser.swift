/// Parses `git status --porcelain=v2 --branch` into git facts (the tag comes from `git tag --points-at HEAD`).
public enum GitStatusParser {
    public static func parse(_ text: String, tags: [String]) -> GitFacts {
        // `tags` come highest version first (`git tag --sort=-version:refname`).
        var facts = GitFacts(branch: nil, tag: tags.first, commit: "")
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# branch.oid ") {
                facts.commit = String(line.dropFirst("# branch.oid ".count))
            } else if line.hasPrefix("# branch.head ") {
                let head = String(line.dropFirst("# branch.head ".count))
                facts.branch = head == "(detached)" ? nil : head
            } else if line.hasPrefix("# branch.ab ") {
                let parts = line.split(separator: " ")
                if parts.count >= 4 {
                    facts.ahead = Int(parts[2].dropFirst())
                    facts.behind = Int(parts[3].dropFirst())
                }
            } else if line.hasPrefix("1 ") || line.hasPrefix("2 ") || line.hasPrefix("u ") {
                // "1 XY sub mH mI mW hH hI path" ("2 …" adds a score and "path\torig")
                let fields = line.split(separator: " ", maxSplits: line.hasPrefix("2 ") ? 9 : line.hasPrefix("u ") ? 10 : 8)
                if let path = fields.last { facts.modified.append(String(path.split(separator: "\t").first ?? path)) }
            } else if line.hasPrefix("? ") {
                facts.untracked.append(String(line.dropFirst(2)))
            }
        }
        return facts
    }

    /// `.git/HEAD` as git writes it (`ref: refs/heads/main`, or a commit when detached), read as a file where git
    /// is not run: `branch main`, `detached at 6c618bc`, or nil for anything else.
    public static func head(fromFile text: String) -> String? {
        let line = text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if line.hasPrefix("ref: refs/heads/"), line.count > 16 { return "branch " + line.dropFirst(16) }
        if line.count >= 40, line.allSatisfy(\.isHexDigit) { return "detached at " + line.prefix(7) }
        return nil
    }
}
