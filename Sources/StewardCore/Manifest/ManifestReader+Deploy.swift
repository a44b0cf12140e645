import Yams

extension ManifestReader {
    static let deployKeys = ["strategy", "remote", "repository", "venv", "requirements", "pip_args", "workdir", "migrations",
                             "build", "health_timeout", "keep", "shared", "restart", "user", "min_free"]
    static let migrationKeys = ["kind", "directory", "database", "command", "check", "downgrade"]

    /// `apps.X.deploy`: strategy, venv, requirements, migrations, build commands and the health gate's deadline.
    mutating func deploy(_ node: Node, _ path: String, app: String, hasInstances: Bool) -> DeploySpec? {
        guard let fields = self.fields(node, path, known: Self.deployKeys) else { return nil }
        func at(_ key: String) -> String { Self.join(path, key) }
        var spec = DeploySpec()
        if let n = fields["strategy"]?.value, let s = choice(n, at("strategy"), DeploySpec.Strategy.self) { spec.strategy = s }
        if let n = fields["restart"]?.value, let s = choice(n, at("restart"), DeploySpec.RestartMode.self) { spec.restart = s }
        if let n = fields["remote"]?.value, let text = string(n, at("remote")) {
            if RefPolicy.isSafeRef(text) { spec.remote = text } else {
                report(n, at("remote"), "expected a git remote name like origin, got \(Self.describe(value: text))")
            }
        }
        if let n = fields["repository"]?.value, let text = string(n, at("repository")) {
            if text.hasPrefix("-") || text.isEmpty || text.contains(where: \.isWhitespace) {
                report(n, at("repository"), "expected a git URL or an absolute path, got \(Self.describe(value: text))")
            } else {
                spec.repository = text
            }
        }
        if let n = fields["venv"]?.value, let text = string(n, at("venv")),
           checkPathTemplate(text, n, at("venv"), app: app, hasInstances: hasInstances) {
            spec.venv = text
        }
        for (key, keyPath) in [("requirements", \DeploySpec.requirements), ("workdir", \DeploySpec.workdir)] {
            guard let n = fields[key]?.value, let text = string(n, at(key)) else { continue }
            if let relative = relativePath(text, n, at(key), allowEmpty: true) { spec[keyPath: keyPath] = relative }
        }
        if let n = fields["pip_args"]?.value, let args = strings(n, at("pip_args")) { spec.pipArguments = args }
        if let n = fields["build"]?.value {
            for (item, itemPath) in items(n, at("build"), expected: "a list of commands like [[python, manage.py, collectstatic, --noinput]]") {
                if let argv = commandLine(item, itemPath) { spec.build.append(argv) }
            }
        }
        if let n = fields["health_timeout"]?.value, let ms = duration(n, at("health_timeout")) {
            spec.healthTimeoutSeconds = max(1, (ms + 999) / 1000)
        }
        if let n = fields["keep"]?.value, let keep = integer(n, at("keep"), in: 2...1000) { spec.keep = keep }
        if let n = fields["shared"]?.value, let list = strings(n, at("shared")) {
            spec.shared = list.compactMap { relativePath($0, n, at("shared"), allowEmpty: false) }
        }
        if let n = fields["user"]?.value, let user = account(n, at("user"), "a user name") { spec.user = user }
        if let n = fields["min_free"]?.value, let bytes = size(n, at("min_free")) { spec.minFreeBytes = bytes }
        if let n = fields["migrations"]?.value { spec.migrations = migrations(n, at("migrations"), app: app, hasInstances: hasInstances) }
        return spec
    }

    private mutating func migrations(_ node: Node, _ path: String, app: String, hasInstances: Bool) -> MigrationSpec {
        var spec = MigrationSpec()
        if case .scalar = node, let kind = choice(node, path, MigrationSpec.Kind.self) {
            spec.kind = kind
            return spec
        }
        guard let fields = self.fields(node, path, known: Self.migrationKeys) else { return spec }
        func at(_ key: String) -> String { Self.join(path, key) }
        if let n = fields["kind"]?.value, let kind = choice(n, at("kind"), MigrationSpec.Kind.self) { spec.kind = kind }
        if let n = fields["directory"]?.value, let text = string(n, at("directory")),
           let dir = relativePath(text, n, at("directory"), allowEmpty: false) {
            spec.directory = dir
        }
        if let n = fields["database"]?.value, let ref = secretRef(n, at("database"), example: "/etc/app/{instance}.env#DATABASE_URL"),
           checkPathTemplate(ref.file, n, at("database"), app: app, hasInstances: hasInstances) {
            spec.database = "\(ref.file)#\(ref.key)"
        }
        for (key, keyPath) in [("command", \MigrationSpec.command), ("check", \MigrationSpec.check), ("downgrade", \MigrationSpec.downgrade)] {
            if let n = fields[key]?.value, let argv = commandLine(n, at(key)) { spec[keyPath: keyPath] = argv }
        }
        if spec.kind == .command && spec.command == nil {
            report(node, path, "kind command needs command: [./bin/migrate, up]")
        }
        if spec.kind != .command && spec.kind != .auto, let n = fields["command"]?.value {
            report(n, at("command"), "command is only for kind: command (this is \(spec.kind.rawValue))")
        }
        return spec
    }

    /// One of an enum's raw values.
    private mutating func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ path: String, _: T.Type) -> T? where T.RawValue == String {
        guard let text = string(node, path) else { return nil }
        if let value = T(rawValue: text) { return value }
        report(node, path, "expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got \(Self.describe(value: text))")
        return nil
    }

    /// A command as an argv list (`[python, manage.py, collectstatic]`), or a string split at spaces. Never a shell
    /// line: `;`, `|`, `&&` and `$` would be passed as plain arguments, so they are refused to avoid the surprise.
    private mutating func commandLine(_ node: Node, _ path: String) -> [String]? {
        let argv: [String]
        if case .sequence = node {
            guard let list = strings(node, path) else { return nil }
            argv = list
        } else {
            guard let text = string(node, path, expected: "a command like [python, manage.py, collectstatic, --noinput]") else { return nil }
            argv = text.split(separator: " ").map(String.init)
        }
        guard let first = argv.first, !first.isEmpty else {
            report(node, path, "expected a command like [python, manage.py, collectstatic, --noinput]")
            return nil
        }
        if let bad = argv.first(where: { ["&&", "||", ";", "|", ">", "<"].contains($0) || $0.hasPrefix("$(") }) {
            report(node, path, "\(Self.describe(value: bad)) is shell syntax, and commands run without a shell; "
                   + "write one command per list item, or put a script in the repository and name it")
            return nil
        }
        return argv
    }

    /// A path inside the checkout: relative, without `..`.
    private mutating func relativePath(_ text: String, _ node: Node, _ path: String, allowEmpty: Bool) -> String? {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        if (trimmed.isEmpty || trimmed == ".") && allowEmpty { return "" }
        guard !trimmed.isEmpty, trimmed != ".", !trimmed.hasPrefix("/"), !trimmed.split(separator: "/").contains(".."), !trimmed.hasPrefix("-") else {
            report(node, path, "expected a path inside the checkout like chip_dashboard, got \(Self.describe(value: text))")
            return nil
        }
        return trimmed
    }
}
