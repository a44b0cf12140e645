import Yams

extension ManifestSchema {
    static let deploy = Section<DeploySpec>(fields: [
        Field("strategy", .choice, \.strategy, doc: "in-place: git checkout in the directory; releases: one directory per release and a current link.", in: DeploySpec()),
        Field("remote", .string.checked { RefPolicy.isSafeRef($0) ? nil : "expected a git remote name like origin, got \(ManifestReader.describe(value: $0))" },
              \.remote, doc: "The git remote fetched before the checkout (in-place).", in: DeploySpec()),
        Field("repository", .string.checked { text in
            text.hasPrefix("-") || text.isEmpty || text.contains(where: \.isWhitespace)
                ? "expected a git URL or an absolute path, got \(ManifestReader.describe(value: text))" : nil
        }, \.repository, doc: "The repository cloned bare for releases."),
        Field("venv", .pathTemplate, \.venv, doc: "The venv whose python runs pip, manage.py and alembic; default found from the unit."),
        Field("requirements", .relativePath(allowEmpty: true), \.requirements,
              doc: "Installed with the venv's pip when it changed; \"\" leaves the venv alone.", in: DeploySpec()),
        Field("pip_args", .strings, \.pipArguments, doc: "Extra pip arguments, like [--no-index, --find-links, /srv/wheels]."),
        Field("workdir", .relativePath(allowEmpty: true), \.workdir,
              doc: "Where manage.py or alembic.ini are, relative to the checkout.", in: DeploySpec()),
        Field("migrations", migrations, \.migrations, doc: "auto, django, alembic, sql, command or none; or a mapping with kind.",
              in: DeploySpec()),
        Field("build", .list(.commandLine, expected: "a list of commands like [[python, manage.py, collectstatic, --noinput]]"),
              doc: "Build steps after the migrations, as argv lists.") { _, _, _, spec, items in
            spec.build = items.map(\.value)
        },
        Field("health_timeout", .duration, doc: "How long the instance's checks have to pass after the restart.",
              default: .string("\(DeploySpec().healthTimeoutSeconds)s")) { _, _, _, spec, ms in
            spec.healthTimeoutSeconds = max(1, (ms + 999) / 1000)
        },
        Field("keep", .integer(2...1000), \.keep, doc: "releases: how many release directories to keep.", in: DeploySpec()),
        Field("shared", .strings, doc: "releases: paths linked into <directory>/shared/.") { reader, node, path, spec, list in
            spec.shared = list.compactMap { reader.relativePath($0, node, path, allowEmpty: false) }
        },
        Field("restart", .choice, \.restart, doc: "restart, reload, or auto (reload when the unit has ExecReload=).", in: DeploySpec()),
        Field("user", .account("a user name"), \.user, doc: "Runs pip, migrations, build steps and hooks; default the unit's User=."),
        Field("min_free", .size, \.minFreeBytes, doc: "A deploy refuses to start with less free space.", in: DeploySpec()),
    ])

    /// `auto`, or `{kind: sql, directory: db/migrations, database: /etc/app/{instance}.env#DATABASE_URL}`.
    static let migrations = ValueType<MigrationSpec>(
        schema: .anyOf([.choice(MigrationSpec.Kind.allCases.map(\.rawValue)), .section(migrationSection.tree)]),
        read: { reader, node, path in
            if case .scalar = node, let kind = ValueType<MigrationSpec.Kind>.choice.read(&reader, node, path) {
                var spec = MigrationSpec()
                spec.kind = kind
                return spec
            }
            var spec = MigrationSpec()
            migrationSection.read(node, path, into: &spec, &reader)
            return spec
        }, written: { .string($0.kind.rawValue) })

    static let migrationSection = Section<MigrationSpec>(fields: [
        Field("kind", .choice, \.kind, doc: "How pending migrations are found and run.", in: MigrationSpec()),
        Field("directory", .relativePath(allowEmpty: false), \.directory, doc: "sql: the directory of .sql files.", in: MigrationSpec()),
        Field("database", .secretRef(example: "/etc/app/{instance}.env#DATABASE_URL"),
              doc: "sql: the env file variable holding the database URL.") { reader, node, path, spec, ref in
            if reader.checkPathTemplate(ref.file, node, path) { spec.database = "\(ref.file)#\(ref.key)" }
        },
        Field("command", .commandLine, \.command, doc: "command: runs the pending migrations."),
        Field("check", .commandLine, \.check, doc: "command: exits non-zero when migrations are pending."),
        Field("downgrade", .commandLine, \.downgrade, doc: "command: undoes the last deploy's migrations on rollback."),
    ], finish: { reader, node, present, _, path, spec in
        if spec.kind == .command && spec.command == nil {
            reader.report(node, path, "kind command needs command: [./bin/migrate, up]")
        }
        if spec.kind != .command && spec.kind != .auto, let command = present["command"]?.value {
            reader.report(command, ManifestReader.join(path, "command"),
                          "command is only for kind: command (this is \(spec.kind.rawValue))")
        }
    })
}

extension ValueType where T == [String] {
    /// A command as an argv list, or a string split at spaces; never a shell line.
    static let commandLine = ValueType(schema: .anyOf([.string(), .list(.string())]), read: { $0.commandLine($1, $2) })
}
