/// The file named by a SQLAlchemy-style SQLite URL, as apps write it in `DATABASE_URL`.
///
/// `sqlite:////srv/app/db.sqlite3` (four slashes) is absolute; `sqlite:///./app.db` and `sqlite:///app.db` are
/// relative to the app's working directory, which is where the app resolves them.
public enum SQLiteURL {
    public static func path(_ url: String, workingDirectory: String?) -> String? {
        let prefixes = ["sqlite+aiosqlite://", "sqlite+pysqlite://", "sqlite://"]
        guard let prefix = prefixes.first(where: { url.hasPrefix($0) }) else { return nil }
        var rest = String(url.dropFirst(prefix.count))
        if let query = rest.firstIndex(of: "?") { rest = String(rest[..<query]) }
        guard rest.hasPrefix("/") else { return nil }
        rest.removeFirst()
        guard !rest.isEmpty, rest != ":memory:" else { return nil }
        if rest.hasPrefix("/") { return normalize(rest) }
        guard let base = workingDirectory, base.hasPrefix("/") else { return nil }
        return normalize(base + "/" + rest)
    }

    /// `/srv/app/./db.sqlite3` → `/srv/app/db.sqlite3`; `..` goes up.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
