import Yams

extension ManifestReader {
    static let backupKeys = ["databases", "directories", "config", "max_age", "verify_max_age", "keep", "schedule", "store", "verify"]
    static let keepKeys = ["last", "daily", "weekly"]

    /// `apps.X.backup`: sources, ages, retention, schedule and store. Paths may use `{instance}`.
    mutating func backup(_ node: Node, _ path: String, app: String, hasInstances: Bool) -> BackupSpec? {
        guard let fields = self.fields(node, path, known: Self.backupKeys) else { return nil }
        func at(_ key: String) -> String { Self.join(path, key) }
        var spec = BackupSpec()
        var names: [String: String] = ["config": at("config")]
        func claim(_ name: String, _ node: Node, _ where_: String) -> Bool {
            if let other = names[name] {
                report(node, where_, "source name \"\(name)\" is already used by \(other); give this one a name:")
                return false
            }
            names[name] = where_
            return true
        }
        for (item, itemPath) in items(fields["databases"]?.value, at("databases"), expected: "a list like [{sqlite: /srv/app/db.sqlite3}]") {
            guard let db = database(item, itemPath, app: app, hasInstances: hasInstances) else { continue }
            if claim(db.name, item, itemPath) { spec.databases.append(db) }
        }
        for (item, itemPath) in items(fields["directories"]?.value, at("directories"), expected: "a list of directories like [/srv/app/media]") {
            guard let dir = directory(item, itemPath, app: app, hasInstances: hasInstances) else { continue }
            if claim(dir.name, item, itemPath) { spec.directories.append(dir) }
        }
        if let n = fields["config"]?.value, let flag = bool(n, at("config")) { spec.config = flag }
        if let n = fields["max_age"]?.value, let m = minutes(n, at("max_age")) { spec.maxAgeMinutes = m }
        if let n = fields["verify_max_age"]?.value, let m = minutes(n, at("verify_max_age")) { spec.verifyMaxAgeMinutes = m }
        if let n = fields["keep"]?.value, let keep = self.fields(n, at("keep"), known: Self.keepKeys) {
            for (key, keyPath) in [("last", \Retention.last), ("daily", \Retention.daily), ("weekly", \Retention.weekly)] {
                guard let v = keep[key]?.value, let count = integer(v, Self.join(at("keep"), key), in: 0...10_000) else { continue }
                spec.retention[keyPath: keyPath] = count
            }
            if spec.retention.last == 0 && spec.retention.daily == 0 && spec.retention.weekly == 0 {
                report(n, at("keep"), "keeps nothing; set last, daily or weekly above zero")
            }
        }
        if let n = fields["schedule"]?.value, let text = text(n, at("schedule"), expected: "a systemd OnCalendar expression like daily or \"*-*-* 03:15\"") {
            if text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || " *-:,./~".contains($0)) }) {
                spec.schedule = text
            } else {
                report(n, at("schedule"), "expected a systemd OnCalendar expression like daily or \"*-*-* 03:15\", got \(Self.describe(value: text))")
            }
        }
        if let n = fields["store"]?.value, let store = absolutePath(n, at("store")) {
            if store == "/" || store.split(separator: "/").contains("..") {
                report(n, at("store"), "expected a dedicated directory like /var/backups/steward, got \(Self.describe(value: store))")
            } else {
                spec.store = store
            }
        }
        if let n = fields["verify"]?.value, let mode = string(n, at("verify")) {
            switch mode {
            case "full": spec.quickVerify = false
            case "quick": spec.quickVerify = true
            default: report(n, at("verify"), "expected full or quick, got \(Self.describe(value: mode))")
            }
        }
        return spec
    }

    /// The items of a list with their paths (`databases[0]`); null or missing is empty, anything else is reported.
    mutating func items(_ node: Node?, _ path: String, expected: String) -> [(Node, String)] {
        guard let node, !Self.isNull(node) else { return [] }
        guard case .sequence(let list) = node else {
            report(node, path, "expected \(expected), got \(Self.describe(node))")
            return []
        }
        return list.enumerated().map { ($0.element, "\(path)[\($0.offset)]") }
    }

    /// `{sqlite: PATH}` or `{postgres: /file.env#KEY}`, with an optional `name`.
    private mutating func database(_ node: Node, _ path: String, app: String, hasInstances: Bool) -> DatabaseDeclaration? {
        guard let fields = fields(node, path, known: ["sqlite", "postgres", "name"]) else { return nil }
        var name = "db"
        if let n = fields["name"]?.value, let text = string(n, Self.join(path, "name")) {
            guard Self.isValidName(text) else {
                report(n, Self.join(path, "name"), "invalid source name; \(Self.nameRule)")
                return nil
            }
            name = text
        }
        switch (fields["sqlite"], fields["postgres"]) {
        case (let sqlite?, nil):
            guard let file = string(sqlite.value, Self.join(path, "sqlite")),
                  checkPathTemplate(file, sqlite.value, Self.join(path, "sqlite"), app: app, hasInstances: hasInstances)
            else { return nil }
            return DatabaseDeclaration(name: name, engine: .sqlite(path: file))
        case (nil, let postgres?):
            let keyPath = Self.join(path, "postgres")
            guard let ref = secretRef(postgres.value, keyPath, example: "/etc/app/{instance}.env#DATABASE_URL"),
                  checkPathTemplate(ref.file, postgres.value, keyPath, app: app, hasInstances: hasInstances)
            else { return nil }
            return DatabaseDeclaration(name: name, engine: .postgres(url: ref))
        case (nil, nil):
            report(node, path, "expected sqlite: PATH or postgres: /path/to/app.env#DATABASE_URL")
        default:
            report(node, path, "give either sqlite or postgres, not both")
        }
        return nil
    }

    /// `/srv/app/media` or `{path: /srv/app/media, exclude: ["*.tmp"], name: media}`.
    private mutating func directory(_ node: Node, _ path: String, app: String, hasInstances: Bool) -> DirectoryDeclaration? {
        if case .scalar = node {
            guard let dir = string(node, path),
                  checkPathTemplate(dir, node, path, app: app, hasInstances: hasInstances) else { return nil }
            guard dir != "/", !dir.split(separator: "/").contains("..") else {
                report(node, path, "expected an app's directory, got \(Self.describe(value: dir))")
                return nil
            }
            return DirectoryDeclaration(path: dir)
        }
        guard let fields = fields(node, path, known: ["path", "exclude", "name"]) else { return nil }
        guard let pathNode = fields["path"]?.value else {
            report(node, path, "missing path")
            return nil
        }
        guard let dir = string(pathNode, Self.join(path, "path")),
              checkPathTemplate(dir, pathNode, Self.join(path, "path"), app: app, hasInstances: hasInstances) else { return nil }
        if dir == "/" || dir.split(separator: "/").contains("..") {
            report(pathNode, Self.join(path, "path"), "expected an app's directory, got \(Self.describe(value: dir))")
            return nil
        }
        var result = DirectoryDeclaration(path: dir)
        if let n = fields["exclude"]?.value, let patterns = strings(n, Self.join(path, "exclude")) {
            result.exclude = patterns
        }
        if let n = fields["name"]?.value, let text = string(n, Self.join(path, "name")) {
            if Self.isValidName(text) { result.name = text } else {
                report(n, Self.join(path, "name"), "invalid source name; \(Self.nameRule)")
            }
        }
        return result
    }
}
