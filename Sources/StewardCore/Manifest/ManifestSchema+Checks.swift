/// The keys of a check: the common ones, then exactly one kind, each with its own keys. The check readers
/// (`ManifestReader+Check…`) read the kinds; the known keys, kinds and short forms they use come from here.
extension ManifestSchema {
    /// A check kind: its keys, and the key its value stands for when written as a plain value.
    struct CheckKind: Sendable {
        let name: String
        let doc: String
        var shorthand: String? = nil
        let keys: [SchemaKey]

        var schemaKey: SchemaKey {
            let section = SchemaValue.section(SchemaSection(keys: keys))
            var shapes = [section]
            if let shorthand, let key = keys.first(where: { $0.name == shorthand }) { shapes.insert(key.value, at: 0) }
            return SchemaKey(name: name, value: shapes.count == 1 ? section : .anyOf(shapes), doc: doc,
                             nullable: !keys.contains(where: \.required))
        }
    }

    static let checkIdentity: [SchemaKey] = [
        key("name", .string(), "The check's id in reports; default derived from what it checks."),
        key("app", .string(), "The app the check belongs to."),
        key("instance", .string(), "The instance the check belongs to; needs app."),
    ]

    /// The item of `checks:`.
    static let checkTree = SchemaSection(keys: checkIdentity + checkDefaults.tree.keys + checkKinds.map(\.schemaKey),
                                         exactlyOneOf: checkKinds.map(\.name))

    private static func key(_ name: String, _ value: SchemaValue, _ doc: String, required: Bool = false) -> SchemaKey {
        SchemaKey(name: name, value: value, doc: doc, required: required)
    }

    private static let text = SchemaValue.string()
    private static let flag = SchemaValue.boolean
    private static let port = SchemaValue.integer(minimum: 1, maximum: 65535)
    private static let count = SchemaValue.integer(minimum: 0)
    private static let ref = SchemaValue.string(pattern: "^/[^#]+#[A-Za-z_][A-Za-z0-9_]*$", example: "/etc/app/prod.env#API_TOKEN")
    private static let absolute = SchemaValue.string(pattern: "^/")
    private static let strings = SchemaValue.anyOf([.string(), .list(.string())])
    private static let percent = ValueType<Double>.percent.schema
    private static let size = ValueType<Int64>.size.schema
    private static let duration = ValueType<Int>.duration.schema
    private static let minutes = ValueType<Int>.minutes.schema
    private static let perCPU = SchemaValue.number(minimum: 0)

    /// The kinds in the order messages list them.
    static let checkKinds: [CheckKind] = [
        CheckKind(name: "service", doc: "A systemd unit is active (and enabled, in a sub-state, rarely restarted).", shorthand: "unit", keys: [
            key("unit", text, "The unit, like marb@prod.service.", required: true),
            key("active", flag, "Whether it must be active (default true)."),
            key("enabled", flag, "Whether it must be enabled."),
            key("sub_state", text, "The sub-state it must be in, like running."),
            key("max_restarts", count, "Restarts allowed."),
            key("user", text, "The user it must run as."),
        ]),
        CheckKind(name: "port", doc: "A port is listened on (by a unit or process, on an address).", shorthand: "port", keys: [
            key("port", port, "The port.", required: true),
            key("address", text, "The address it must listen on."),
            key("udp", flag, "UDP instead of TCP."),
            key("owner_unit", text, "The unit that must own the socket."),
            key("owner_process", text, "The process that must own the socket."),
            key("listening", flag, "false: the port must not be listened on."),
        ]),
        CheckKind(name: "http", doc: "An HTTP request answers as expected.", shorthand: "url", keys: [
            key("url", .string(pattern: "^[Hh][Tt][Tt][Pp][Ss]?://", example: "https://127.0.0.1/api/v1/health"), "The address to request.", required: true),
            key("method", .choice(ManifestReader.httpMethods), "The HTTP method (default GET)."),
            key("headers", .named(text), "Plain request headers; never credentials."),
            key("secret_headers", .named(ref), "Headers whose values are read from env files."),
            key("bearer", ref, "The bearer token, by reference to an env file variable."),
            key("status", .anyOf([.integer(minimum: 100, maximum: 599), .list(.integer(minimum: 100, maximum: 599))]), "The status codes accepted."),
            key("body_contains", strings, "Text the body must contain."),
            key("json", .named(.anyOf([.string(), .number(), .boolean])), "JSON fields (dotted paths) and the values they must have."),
            key("max_latency", duration, "The slowest answer accepted."),
            key("follow_redirects", flag, "Whether redirects are followed."),
            key("verify_tls", flag, "Whether the certificate is verified."),
        ]),
        CheckKind(name: "tcp", doc: "A TCP connection opens.", keys: [
            key("host", text, "The host to connect to.", required: true),
            key("port", port, "The port to connect to.", required: true),
        ]),
        CheckKind(name: "tls", doc: "A certificate (of a server or a file) is valid long enough.", keys: [
            key("host", text, "The server to connect to."),
            key("port", port, "The server's port (default 443)."),
            key("file", absolute, "A certificate file instead of a server."),
            key("server_name", text, "The name sent and verified (SNI)."),
            key("warning_days", .integer(minimum: 0, maximum: 36_500), "Days left that warn."),
            key("critical_days", .integer(minimum: 0, maximum: 36_500), "Days left that are critical."),
            key("allow_self_signed", flag, "Accept a self-signed certificate."),
        ]),
        CheckKind(name: "postgres", doc: "A PostgreSQL query answers.", shorthand: "dsn", keys: [
            key("dsn", ref, "The connection URL, by reference to an env file variable.", required: true),
            key("query", text, "The query (default SELECT 1)."),
            key("expect", .anyOf([.string(), .number(), .boolean]), "The value the query must return."),
        ]),
        CheckKind(name: "redis", doc: "Redis answers PING (and lists stay short).", shorthand: "url", keys: [
            key("url", ref, "The URL, by reference to an env file variable."),
            key("host", text, "The host, for a server without a password."),
            key("port", port, "The port."),
            key("max_length", .named(count), "List keys and the most items each may hold."),
        ]),
        CheckKind(name: "sqlite", doc: "A SQLite database is sound and not too large.", shorthand: "path", keys: [
            key("path", absolute, "The database file.", required: true),
            key("quick_check", flag, "Run quick_check instead of integrity_check."),
            key("journal_mode", .choice(ManifestReader.journalModes), "The journal mode it must be in."),
            key("warning_size", size, "A size that warns."),
            key("critical_size", size, "A size that is critical."),
        ]),
        CheckKind(name: "file", doc: "A file exists (with a mode, owner, group and content).", shorthand: "path", keys: [
            key("path", absolute, "The file.", required: true),
            key("exists", flag, "false: the file must not exist."),
            key("mode", .anyOf([.string(pattern: "^(0o)?[0-7]{1,5}$"), .integer(minimum: 0)]), "The octal mode, like \"0600\"."),
            key("owner", text, "The owning user."),
            key("group", text, "The owning group."),
            key("contains", strings, "Text the file must contain."),
        ]),
        CheckKind(name: "command", doc: "A program exits as expected (run without a shell).", shorthand: "argv", keys: [
            key("argv", strings, "The program and its arguments.", required: true),
            key("exit_status", .integer(minimum: 0, maximum: 255), "The exit status expected (default 0)."),
            key("stdout_contains", strings, "Text the output must contain."),
        ]),
        CheckKind(name: "disk", doc: "A filesystem has room.", shorthand: "path", keys: [
            key("path", absolute, "A path on the filesystem (default /)."),
            key("warning", percent, "Used space that warns, in percent."),
            key("critical", percent, "Used space that is critical, in percent."),
        ]),
        CheckKind(name: "memory", doc: "Memory in use stays below the limits.", keys: [
            key("warning", percent, "Memory in use that warns, in percent."),
            key("critical", percent, "Memory in use that is critical, in percent."),
        ]),
        CheckKind(name: "load", doc: "The load average per CPU stays below the limits.", keys: [
            key("warning_per_cpu", perCPU, "Load per CPU that warns."),
            key("critical_per_cpu", perCPU, "Load per CPU that is critical."),
        ]),
        CheckKind(name: "journal", doc: "A unit's journal has few errors (or few lines matching a pattern).", shorthand: "unit", keys: [
            key("unit", text, "The unit whose journal is read.", required: true),
            key("since", minutes, "How far back to read."),
            key("max_errors", count, "Error lines allowed."),
            key("pattern", text, "A pattern whose matching lines are counted."),
            key("max_matches", count, "Matching lines allowed."),
        ]),
    ]

    /// The keys of a checks file (`steward check --file`).
    static let checkFileTree = SchemaSection(keys: [
        SchemaKey(name: "defaults", value: .section(checkDefaults.tree), doc: "How every check runs unless it says otherwise.", nullable: true),
        SchemaKey(name: "checks", value: .list(.section(checkTree)), doc: "The checks to run.", required: true, nullable: true),
    ])
}
