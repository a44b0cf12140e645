import Yams

extension ManifestSchema {
    /// `apps.X.backup` with the source names claimed so far (`config` always), so two sources never share one.
    struct BackupDraft {
        var spec = BackupSpec()
        var sources: [String: String]

        mutating func claim(_ name: String, _ node: Node, _ path: String, _ reader: inout ManifestReader) -> Bool {
            if let other = sources[name] {
                reader.report(node, path, "source name \"\(name)\" is already used by \(other); give this one a name:")
                return false
            }
            sources[name] = path
            return true
        }
    }

    static let backup = ValueType<BackupSpec>(schema: .section(backupSection.tree), read: { reader, node, path in
        var draft = BackupDraft(sources: ["config": ManifestReader.join(path, "config")])
        return backupSection.read(node, path, into: &draft, &reader) ? draft.spec : nil
    }, acceptsNull: true)

    static let backupSection = Section<BackupDraft>(fields: [
        Field("databases", .list(database, expected: "a list like [{sqlite: /srv/app/db.sqlite3}]"),
              doc: "Databases to back up; when given, DATABASE_URL is not guessed.") { reader, _, _, draft, items in
            for item in items where draft.claim(item.value.name, item.node, item.path, &reader) {
                draft.spec.databases.append(item.value)
            }
        },
        Field("directories", .list(directory, expected: "a list of directories like [/srv/app/media]"),
              doc: "Directories archived with tar and gzip.") { reader, _, _, draft, items in
            for item in items where draft.claim(item.value.name, item.node, item.path, &reader) {
                draft.spec.directories.append(item.value)
            }
        },
        Field("config", .bool, \.spec.config, doc: "Archive the instance's env and unit files too.", in: defaultDraft),
        Field("max_age", .minutes, \.spec.maxAgeMinutes, doc: "backup.stale when the newest backup is older.", in: defaultDraft),
        Field("verify_max_age", .minutes, \.spec.verifyMaxAgeMinutes,
              doc: "backup.unverified when no restore test passed within this time.", in: defaultDraft),
        Field("keep", .section(retention, .defaults), \.spec.retention,
              doc: "Retention for steward backup prune: the newest N, plus the newest of each of the last D days and W weeks."),
        Field("schedule", .text(scheduleExample).checked { text in
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || " *-:,./~".contains($0)) }) ? nil
                : "expected \(scheduleExample), got \(ManifestReader.describe(value: text))"
        }, \.spec.schedule, doc: "systemd OnCalendar= of steward backup schedule, and of steward serve's scheduled backups.", in: defaultDraft),
        Field("store", .absolutePath.checked { store in
            store == "/" || store.split(separator: "/").contains("..")
                ? "expected a dedicated directory like /var/backups/steward, got \(ManifestReader.describe(value: store))" : nil
        }, \.spec.store, doc: "Where backups go: <store>/<app>/<instance>/.", in: defaultDraft),
        Field("verify", ValueType<String>.string.mapped(.choice(["full", "quick"])) { mode in
            switch mode {
            case "full": .success(false)
            case "quick": .success(true)
            default: .failure(Refusal("expected full or quick, got \(ManifestReader.describe(value: mode))"))
            }
        }.writing { .string($0 ? "quick" : "full") }, \.spec.quickVerify,
              doc: "full: integrity_check of the restored copy; quick: quick_check.", in: defaultDraft),
    ])

    private static let defaultDraft = BackupDraft(sources: [:])
    private static let scheduleExample = "a systemd OnCalendar expression like daily or \"*-*-* 03:15\""

    static let retention = Section<Retention>(fields: [
        Field("last", .integer(0...10_000), \.last, doc: "The newest backups kept.", in: .defaults),
        Field("daily", .integer(0...10_000), \.daily, doc: "Days whose newest backup is kept.", in: .defaults),
        Field("weekly", .integer(0...10_000), \.weekly, doc: "Weeks whose newest backup is kept.", in: .defaults),
    ], finish: { reader, node, _, _, path, retention in
        if retention.last == 0 && retention.daily == 0 && retention.weekly == 0 {
            reader.report(node, path, "keeps nothing; set last, daily or weekly above zero")
        }
    })

    // MARK: - Sources

    /// One database: exactly one engine, and a name.
    struct DatabaseDraft {
        var name = "db"
        var engine: DatabaseDeclaration.Engine?
    }

    static let database = ValueType<DatabaseDeclaration>(schema: .section(databaseSection.tree), read: { reader, node, path in
        var draft = DatabaseDraft()
        let before = reader.errors.count
        guard databaseSection.read(node, path, into: &draft, &reader), reader.errors.count == before,
              let engine = draft.engine else { return nil }
        return DatabaseDeclaration(name: draft.name, engine: engine)
    }, acceptsNull: true)

    static let databaseSection = Section<DatabaseDraft>(fields: [
        Field("sqlite", .pathTemplate, doc: "A SQLite file, backed up with the online backup API.") { _, _, _, draft, file in
            draft.engine = .sqlite(path: file)
        },
        Field("postgres", .secretRef(example: "/etc/app/{instance}.env#DATABASE_URL"),
              doc: "A reference to the env file variable holding the PostgreSQL URL.") { reader, node, path, draft, ref in
            if reader.checkPathTemplate(ref.file, node, path) { draft.engine = .postgres(url: ref) }
        },
        Field("name", .sourceName, \.name, doc: "The source's name in the catalog; default db."),
    ], exactlyOneOf: ["sqlite", "postgres"], finish: { reader, node, present, _, path, _ in
        switch ["sqlite", "postgres"].filter({ present[$0] != nil }).count {
        case 0: reader.report(node, path, "expected sqlite: PATH or postgres: /path/to/app.env#DATABASE_URL")
        case 1: break
        default: reader.report(node, path, "give either sqlite or postgres, not both")
        }
    })

    /// `/srv/app/media` or `{path: /srv/app/media, exclude: ["*.tmp"], name: media}`.
    static let directory = ValueType<DirectoryDeclaration>(
        schema: .anyOf([.string(pattern: "^/"), .section(directorySection.tree)]),
        read: { reader, node, path in
            if case .scalar = node {
                return ValueType.appDirectory.read(&reader, node, path).map { DirectoryDeclaration(path: $0) }
            }
            var draft = DirectoryDeclaration(name: "", path: "")
            let before = reader.errors.count
            guard directorySection.read(node, path, into: &draft, &reader), reader.errors.count == before else { return nil }
            return DirectoryDeclaration(name: draft.name.isEmpty ? nil : draft.name, path: draft.path, exclude: draft.exclude)
        })

    static let directorySection = Section<DirectoryDeclaration>(fields: [
        Field("path", .appDirectory, \.path, doc: "The directory; may use {instance}.", required: ""),
        Field("exclude", .strings, \.exclude, doc: "tar exclude patterns, like \"*.tmp\"."),
        Field("name", .sourceName, \.name, doc: "The source's name in the catalog; default the last path component."),
    ])
}

extension ValueType where T == String {
    /// A source name: the rules of app names.
    static let sourceName = ValueType.string.checked {
        ManifestReader.isValidName($0) ? nil : "invalid source name; \(ManifestReader.nameRule)"
    }

    /// An app's directory to archive: a path template that is not `/` and has no `..`.
    static let appDirectory = ValueType.pathTemplate.checked { dir in
        dir == "/" || dir.split(separator: "/").contains("..")
            ? "expected an app's directory, got \(ManifestReader.describe(value: dir))" : nil
    }
}
