import Yams

extension ManifestSchema {
    /// The app named `name`: read with its scope set, so `{instance}` templates and port claims know their app.
    static func app(_ name: String) -> ValueType<AppSpec> {
        ValueType(schema: .section(appSection.tree), read: { reader, node, path in
            reader.app = ManifestReader.AppScope(name: name, path: path)
            defer { reader.app = nil }
            var spec = AppSpec(name: name)
            return appSection.read(node, path, into: &spec, &reader) ? spec : nil
        }, acceptsNull: true)
    }

    /// Instances are read first: whether the app has any decides what its unit and paths may be.
    static let appSection = Section<AppSpec>(fields: [
        Field("kind", .appKind, \.kind, doc: "Turns on framework-specific checks.", in: AppSpec(name: "")),
        Field("unit", .string, doc: "The systemd unit; a template like web@.service for an app with instances.") { reader, node, path, app, unit in
            if reader.checkUnit(unit, node, path) { app.unit = unit }
        },
        Field("directory", .pathTemplate, \.directory, doc: "The git checkout; {instance} is the instance's name."),
        Field("env_file", .pathTemplate, \.envFile, doc: "The unit's EnvironmentFile=; only its keys are read."),
        Field("health", .string.checked { health in
            health.hasPrefix("/") && !health.contains(where: \.isWhitespace) ? nil
                : "expected a URL path like \"/health\", got \(ManifestReader.describe(value: health))"
        }, \.health, doc: "An HTTP path that answers 200 when the app is healthy."),
        Field("instances", .named(instance), doc: "The instances, by name; each runs as <unit>@<instance>.") { reader, node, path, app, entries in
            // An app whose instances are all invalid still has instances as far as the unit is concerned.
            if case .mapping(let mapping) = node, !mapping.isEmpty { reader.app?.hasInstances = true }
            for entry in entries {
                let valid = ManifestReader.isValidName(entry.name)
                if !valid { reader.report(entry.key, ManifestReader.join(path, entry.name), "invalid instance name; \(ManifestReader.nameRule)") }
                if valid, let instance = entry.value { app.instances.append(instance) }
            }
        }.first(),
        Field("backup", backup, \.backup, doc: "What steward backup saves, how long it is kept, when it runs."),
        Field("deploy", .section(deploy, DeploySpec()), \.deploy, doc: "How steward deploy deploys the app."),
        Field("compose", .section(composeSection, ComposeSpec()), \.compose,
              doc: "kind: compose: the Compose project in the app's directory (its name, files and the services that must run)."),
    ], finish: { reader, node, present, refused, path, app in
        // compose: a project directory, no units or instances of its own.
        if app.kind == .compose {
            if app.directory == nil { reader.report(node, path, "kind compose needs directory: the project's directory (where its compose file is)") }
            if let instances = present["instances"] { reader.report(instances.key, ManifestReader.join(path, "instances"), "a compose project has no instances: declare each project as its own app") }
            if let unit = present["unit"] { reader.report(unit.key, ManifestReader.join(path, "unit"), "a compose project runs as containers, not a systemd unit") }
        } else if let compose = present["compose"] {
            reader.report(compose.key, ManifestReader.join(path, "compose"), "compose is only for kind: compose")
        }
        // blue-green: every instance names its two slot ports, and only then.
        guard !refused.contains("deploy"), !refused.contains("instances") else { return }
        let blueGreen = app.deploy?.strategy == .blueGreen
        if blueGreen && app.instances.isEmpty {
            reader.report(node, path, "strategy blue-green needs instances, each with slots: [PORT, PORT] (two loopback ports)")
        }
        let instancesPath = ManifestReader.join(path, "instances")
        for instance in app.instances {
            if blueGreen && instance.slots.isEmpty {
                reader.report(present["instances"]?.value ?? node, ManifestReader.join(instancesPath, instance.name),
                              "strategy blue-green needs slots: [PORT, PORT] (the two loopback ports its slots listen on)")
            } else if !blueGreen && !instance.slots.isEmpty {
                reader.report(present["instances"]?.value ?? node, ManifestReader.join(ManifestReader.join(instancesPath, instance.name), "slots"),
                              "slots are only for deploy.strategy: blue-green")
            }
        }
    })

    static let composeSection = Section<ComposeSpec>(fields: [
        Field("project", .string, doc: "The project name (-p); default: the directory's name, as Compose names it.") { reader, node, path, spec, project in
            guard !project.isEmpty, project.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                return reader.report(node, path, "expected a compose project name (lower-case letters, digits, _ and -), got \(ManifestReader.describe(value: project))")
            }
            spec.project = project
        },
        Field("files", .strings, doc: "The compose files, relative to the directory; default: Compose's (compose.yaml, docker-compose.yml).") { reader, node, path, spec, files in
            if let bad = files.first(where: { $0.isEmpty || $0.hasPrefix("/") || $0.split(separator: "/").contains("..") }) {
                return reader.report(node, path, "expected paths inside the directory like docker-compose.yml, got \(ManifestReader.describe(value: bad))")
            }
            spec.files = files
        },
        Field("services", .strings, \.services, doc: "The services that must run; default: every service that has a container."),
        Field("env_file", .string, doc: "The file Compose reads variables from (--env-file), a file of the directory; default: .env.") { reader, node, path, spec, file in
            guard !file.isEmpty, !file.contains("/"), file != ".", file != ".." else {
                return reader.report(node, path, "expected a file name in the project's directory like .env.production, got \(ManifestReader.describe(value: file))")
            }
            spec.envFile = file
        },
    ])

    static func instance(_ name: String) -> ValueType<InstanceSpec> {
        .section(instanceSection, InstanceSpec(name: name))
    }

    /// The address is read first: a port is claimed with it.
    static let instanceSection = Section<InstanceSpec>(fields: [
        Field("production", .bool, doc: "Whether the strict checks apply; default true for prod, production and live.") { _, _, _, instance, production in
            instance.production = production
            instance.declaredProduction = production
        },
        Field("port", .integer(1...65535), doc: "The port it must listen on; two instances may not share one.") { reader, node, path, instance, port in
            if reader.claimPort(port, instance: instance.name, bind: instance.bind, node, path) { instance.port = port }
        },
        Field("bind", .string.checked { bind in
            IPAddress.isValid(bind) ? nil
                : "expected an IP address like 127.0.0.1 or ::1, got " + ManifestReader.describe(value: bind)
        }, \.bind, doc: "The address it should listen on, like 127.0.0.1.").first(),
        Field("slots", .list(.integer(1...65535), expected: "two ports like [9004, 9104]"),
              doc: "blue-green: the two loopback ports its slots listen on (the slot unit's instance name).") { reader, node, path, instance, items in
            guard items.count == 2, items[0].value != items[1].value else {
                return reader.report(node, path, "expected two different ports like [9004, 9104], got \(items.count == 2 ? "the same port twice" : "\(items.count)")")
            }
            var claimed = true
            for item in items where !reader.claimPort(item.value, instance: instance.name, bind: "127.0.0.1", item.node, item.path) { claimed = false }
            if claimed { instance.slots = items.map(\.value) }
        },
    ])
}

extension ValueType where T == AppKind {
    static let appKind = ValueType(schema: .choice(AppKind.allCases.map(\.rawValue)), read: { reader, node, path in
        guard let text = reader.string(node, path) else { return nil }
        if let kind = AppKind(rawValue: text) { return kind }
        let allowed = AppKind.allCases.map(\.rawValue).joined(separator: ", ")
        reader.report(node, path, "unknown kind \(ManifestReader.describe(value: text)); expected one of \(allowed)")
        return nil
    }, written: { .string($0.rawValue) })
}
