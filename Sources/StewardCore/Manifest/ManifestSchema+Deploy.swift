import Yams

extension ManifestSchema {
    static let deploy = Section<DeploySpec>(fields: [
        Field("strategy", .choice, \.strategy, doc: "in-place: git checkout in the directory; releases: one directory per release and a current link; blue-green: releases in two slots behind nginx, switched without a restart.", in: DeploySpec()),
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
        Field("slots", .section(slotSection, SlotSpec()), \.slots,
              doc: "blue-green: the slots' unit template, whose instance name is the slot's port, and how long the old slot drains."),
    ], finish: { reader, node, present, _, path, spec in
        if spec.strategy == .blueGreen && spec.slots == nil && present["slots"] == nil {
            reader.report(node, path, "strategy blue-green needs slots: {unit: app-slot@.service} (a template whose instance name is the slot's port)")
        }
        if spec.strategy != .blueGreen, let slots = present["slots"] {
            reader.report(slots.key, ManifestReader.join(path, "slots"), "slots is only for strategy: blue-green (this is \(spec.strategy.rawValue))")
        }
    })

    /// `{unit: shop-slot@.service, drain: 30s}`.
    static let slotSection = Section<SlotSpec>(fields: [
        Field("unit", .string, doc: "A template unit like shop-slot@.service: its instance name is the slot's port.",
              required: "a template like shop-slot@.service") { reader, node, path, slots, unit in
            let base = unit.hasSuffix("@.service") ? String(unit.dropLast("@.service".count)) : ""
            let allowed: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || ":_.-".contains($0)) }
            guard !base.isEmpty, base.allSatisfy(allowed) else {
                return reader.report(node, path, "expected a template unit like \"shop-slot@.service\" (its instance name is the slot's port), got \(ManifestReader.describe(value: unit))")
            }
            slots.unit = unit
        },
        Field("drain", .duration, doc: "How long the old slot's connections may last after the switch before it is stopped.",
              default: .string("\(SlotSpec().drainSeconds)s")) { _, _, _, slots, ms in
            slots.drainSeconds = max(0, (ms + 999) / 1000)
        },
        Field("keep_warm", .duration, doc: "How long the old slot keeps running after the switch, so that a rollback is only a switch back; without it the old slot stops at once.",
              default: .string("\(SlotSpec().keepWarmSeconds)s")) { _, _, _, slots, ms in
            slots.keepWarmSeconds = max(0, (ms + 999) / 1000)
        },
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
