import Yams

/// The check kinds, each key declared once: its type, what it sets, and its doc; then the rules across keys.
extension ManifestSchema {
    /// The kinds in the order messages list them.
    static let checkKinds: [CheckKind] = [
        CheckKind("service", doc: "A systemd unit is active (and enabled, in a sub-state, rarely restarted).",
                  shorthand: "unit", service, { ServiceExpectation(unit: "") }) { .service($0) },
        CheckKind("port", doc: "A port is listened on (by a unit or process, on an address).",
                  shorthand: "port", port, { PortExpectation(port: 0) }) { .port($0) },
        CheckKind("http", doc: "An HTTP request answers as expected.", shorthand: "url", http, { HTTPDraft() }) { .http($0.expectation) },
        CheckKind("tcp", doc: "A TCP connection opens.", tcp, { TCPExpectation(host: "", port: 0) }) { .tcp($0) },
        CheckKind("tls", doc: "A certificate (of a server or a file) is valid long enough.", tls, { TLSExpectation() }) { .tls($0) },
        CheckKind("postgres", doc: "A PostgreSQL query answers.", shorthand: "dsn", postgres,
                  { PostgresExpectation(dsn: SecretRef(file: "", key: "")) }) { .postgres($0) },
        CheckKind("redis", doc: "Redis answers PING (and lists stay short).", shorthand: "url", redis, { RedisExpectation() }) { .redis($0) },
        CheckKind("sqlite", doc: "A SQLite database is sound and not too large.", shorthand: "path", sqlite,
                  { SQLiteExpectation(path: "") }) { .sqlite($0) },
        CheckKind("file", doc: "A file exists (with a mode, owner, group and content).", shorthand: "path", file,
                  { FileExpectation(path: "") }) { .file($0) },
        CheckKind("command", doc: "A program exits as expected (run without a shell).", shorthand: "argv", command,
                  { CommandExpectation(argv: []) }) { .command($0) },
        CheckKind("disk", doc: "A filesystem has room.", shorthand: "path", disk, { DiskExpectation() }) { .disk($0) },
        CheckKind("memory", doc: "Memory in use stays below the limits.", memory, { MemoryExpectation() }) { .memory($0) },
        CheckKind("load", doc: "The load average per CPU stays below the limits.", load, { LoadExpectation() }) { .load($0) },
        CheckKind("journal", doc: "A unit's journal has few errors (or few lines matching a pattern).", shorthand: "unit",
                  journal, { JournalExpectation(unit: "") }) { .journal($0) },
        CheckKind("container", doc: "A Docker Compose service's container runs (healthy, when it has a healthcheck).",
                  container, { ContainerExpectation(project: "", service: "") }) { .container($0) },
    ]

    // MARK: - Local

    static let service = Section<ServiceExpectation>(fields: [
        Field("unit", .runningUnit, \.unit, doc: "The unit, like marb@prod.service.",
              required: "the systemd unit to check, like marb@prod.service"),
        Field("active", .flag, \.active, doc: "Whether it must be active (default true)."),
        Field("enabled", .flag, \.enabled, doc: "Whether it must be enabled."),
        Field("sub_state", .line("a sub-state like running").checked { text in
            text.allSatisfy({ $0.isASCII && ($0.isLowercase || $0 == "-") }) ? nil
                : "expected a sub-state like running, exited or listening, got \(ManifestReader.describe(value: text))"
        }, \.subState, doc: "The sub-state it must be in, like running."),
        Field("max_restarts", .integer(0...Int.max), \.maxRestarts, doc: "Restarts allowed."),
        Field("user", .accountName("user"), \.user, doc: "The user it must run as."),
    ])

    static let port = Section<PortExpectation>(fields: [
        Field("port", .port, \.port, doc: "The port.", required: "the port number, like 8000"),
        Field("address", ValueType<String>.line("an IP address").mapped(.string()) { text in
            IPAddress.isValid(text) ? .success(IPAddress.normalized(text))
                : .failure(Refusal("expected an IP address like 127.0.0.1, 0.0.0.0 or ::1, got \(ManifestReader.describe(value: text))"))
        }, \.address, doc: "The address it must listen on."),
        Field("udp", .flag, \.udp, doc: "UDP instead of TCP."),
        Field("owner_unit", .runningUnit, \.ownerUnit, doc: "The unit that must own the socket."),
        Field("owner_process", .line("a process name like uvicorn"), \.ownerProcess, doc: "The process that must own the socket."),
        Field("listening", .flag, \.listening, doc: "false: the port must not be listened on."),
    ], finish: { reader, _, present, _, path, port in
        if !port.listening {
            reader.refuse(present, ["owner_unit", "owner_process"], path,
                          "applies only to a port that is listening; remove it or set listening: true")
        }
    })

    static let tcp = Section<TCPExpectation>(fields: [
        Field("host", .host, \.host, doc: "The host to connect to.", required: "the host to connect to, like 127.0.0.1"),
        Field("port", .port, \.port, doc: "The port to connect to.", required: "the port to connect to, like 5432"),
    ])

    static let tls = Section<TLSExpectation>(fields: [
        Field("host", .host, \.host, doc: "The server to connect to."),
        Field("port", .port, \.port, doc: "The server's port (default 443)."),
        Field("file", .file, \.file, doc: "A certificate file instead of a server."),
        Field("server_name", .line("a host name").checked { name in
            ManifestReader.isHost(name) ? nil : "expected a host name like marb.example.org, got \(ManifestReader.describe(value: name))"
        }, \.serverName, doc: "The name sent and verified (SNI)."),
        Field("warning_days", .integer(0...36_500), \.warningDays, doc: "Days left that warn."),
        Field("critical_days", .integer(0...36_500), \.criticalDays, doc: "Days left that are critical."),
        Field("allow_self_signed", .flag, \.allowSelfSigned, doc: "Accept a self-signed certificate."),
    ], finish: { reader, kindKey, present, refused, path, tls in
        switch (present["host"], present["file"]) {
        case (nil, nil):
            reader.report(kindKey, path, "missing key \"host\": the server to connect to (or file: a certificate file)")
        case let (host?, file?):
            let later = ManifestReader.isBefore(file.key, host.key) ? "host" : "file"
            reader.report(present[later]?.key, ManifestReader.join(path, later), "give host or file, not both")
        case (nil, _?):
            reader.refuse(present, ["port"], path, "applies only with host; a certificate file has no port")
        default:
            break
        }
        // The critical limit fires last, so it is the smaller number of days.
        reader.checkOrder(present, path, below: ("critical_days", tls.criticalDays), above: ("warning_days", tls.warningDays),
                          refused: refused, show: String.init)
    })

    static let sqlite = Section<SQLiteExpectation>(fields: [
        Field("path", .file, \.path, doc: "The database file.", required: "the database file, like /opt/app/app.db"),
        Field("quick_check", .flag, \.quickCheck, doc: "Run quick_check instead of integrity_check."),
        Field("journal_mode", ValueType<String>.line("a journal mode").mapped(.choice(journalModes)) { text in
            journalModes.contains(text.lowercased()) ? .success(text.lowercased())
                : .failure(Refusal("unknown journal mode \(ManifestReader.describe(value: text)); expected one of "
                                   + journalModes.joined(separator: ", ")))
        }, \.journalMode, doc: "The journal mode it must be in."),
        Field("warning_size", .databaseSize, \.warningBytes, doc: "A size that warns."),
        Field("critical_size", .databaseSize, \.criticalBytes, doc: "A size that is critical."),
    ], finish: { reader, _, present, refused, path, sqlite in
        // Seed 002's limits (warning above 1 GiB, critical above 2 GiB) unless the check sets its own.
        if present["warning_size"] == nil && present["critical_size"] == nil {
            (sqlite.warningBytes, sqlite.criticalBytes) = (1 << 30, 2 << 30)
        }
        if let warning = sqlite.warningBytes, let critical = sqlite.criticalBytes {
            reader.checkOrder(present, path, below: ("warning_size", warning), above: ("critical_size", critical),
                              refused: refused, show: ByteSize.format)
        }
    })

    private static let journalModes = ["delete", "truncate", "persist", "memory", "wal", "off"]

    static let file = Section<FileExpectation>(fields: [
        Field("path", .file, \.path, doc: "The file.", required: "the file to check, like /etc/app/prod.env"),
        Field("exists", .flag, \.exists, doc: "false: the file must not exist."),
        Field("mode", .fileMode, \.mode, doc: "The octal mode, like \"0600\"."),
        Field("owner", .accountName("user"), \.owner, doc: "The owning user."),
        Field("group", .accountName("group"), \.group, doc: "The owning group."),
        Field("contains", .texts, \.contains, doc: "Text the file must contain."),
    ], finish: { reader, _, present, _, path, file in
        if !file.exists {
            reader.refuse(present, ["mode", "owner", "group", "contains"], path,
                          "applies only to a file that exists; remove it or set exists: true")
        }
    })

    static let disk = Section<DiskExpectation>(fields: [
        Field("path", .file, \.path, doc: "A path on the filesystem (default /)."),
        Field("warning", .percent, \.warningPercent, doc: "Used space that warns, in percent."),
        Field("critical", .percent, \.criticalPercent, doc: "Used space that is critical, in percent."),
    ], finish: { reader, _, present, refused, path, disk in
        reader.checkOrder(present, path, below: ("warning", disk.warningPercent), above: ("critical", disk.criticalPercent),
                          refused: refused, show: ManifestReader.format)
    })

    static let memory = Section<MemoryExpectation>(fields: [
        Field("warning", .percent, \.warningPercent, doc: "Memory in use that warns, in percent."),
        Field("critical", .percent, \.criticalPercent, doc: "Memory in use that is critical, in percent."),
    ], finish: { reader, _, present, refused, path, memory in
        reader.checkOrder(present, path, below: ("warning", memory.warningPercent), above: ("critical", memory.criticalPercent),
                          refused: refused, show: ManifestReader.format)
    })

    static let load = Section<LoadExpectation>(fields: [
        Field("warning_per_cpu", .positive, \.warningPerCPU, doc: "Load per CPU that warns."),
        Field("critical_per_cpu", .positive, \.criticalPerCPU, doc: "Load per CPU that is critical."),
    ], finish: { reader, _, present, refused, path, load in
        reader.checkOrder(present, path, below: ("warning_per_cpu", load.warningPerCPU),
                          above: ("critical_per_cpu", load.criticalPerCPU), refused: refused, show: ManifestReader.format)
    })

    static let container = Section<ContainerExpectation>(fields: [
        Field("project", .line("a compose project like pulse").checked { name in
            name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }) ? nil
                : "expected a compose project name (lower-case letters, digits, _ and -), got \(ManifestReader.describe(value: name))"
        }, \.project, doc: "The Compose project.", required: "the compose project, like pulse"),
        Field("service", .line("a service like ui"), \.service, doc: "The service of the project.", required: "the service, like ui"),
        Field("max_restarts", .integer(0...Int.max), \.maxRestarts, doc: "Restarts allowed."),
    ])

    static let journal = Section<JournalExpectation>(fields: [
        Field("unit", .runningUnit, \.unit, doc: "The unit whose journal is read.",
              required: "the systemd unit whose journal to read, like marb@prod.service"),
        Field("since", .minutes, \.sinceMinutes, doc: "How far back to read."),
        Field("max_errors", .integer(0...Int.max), \.maxErrors, doc: "Error lines allowed."),
        Field("pattern", .line("a pattern like Traceback"), \.pattern, doc: "A pattern whose matching lines are counted."),
        Field("max_matches", .integer(0...Int.max), \.maxMatches, doc: "Matching lines allowed."),
    ], finish: { reader, _, present, _, path, journal in
        if present["pattern"] == nil {
            reader.refuse(present, ["max_matches"], path, "needs pattern: the lines to count")
        } else if present["max_errors"] == nil {
            // A check for a pattern counts only the pattern unless it also sets max_errors.
            journal.maxErrors = nil
        }
    })

    // MARK: - Programs

    /// An `http` check, and the header names set so far: `headers` and `secret_headers` may not repeat one.
    struct HTTPDraft {
        var expectation = HTTPExpectation(url: "")
        var headerNames: [String: (key: Node, path: String)] = [:]
    }

    static let http = Section<HTTPDraft>(fields: [
        Field("url", .httpURL, \.expectation.url, doc: "The address to request.",
              required: "the address to request, like \(ManifestReader.urlExample)"),
        Field("method", ValueType<String>.line("an HTTP method").mapped(.choice(ManifestReader.httpMethods)) { text in
            ManifestReader.httpMethods.contains(text.uppercased()) ? .success(text.uppercased())
                : .failure(Refusal("unknown method \(ManifestReader.describe(value: text)); expected one of "
                                   + ManifestReader.httpMethods.joined(separator: ", ")))
        }, \.expectation.method, doc: "The HTTP method (default GET)."),
        Field("headers", .node(.named(.string())), doc: "Plain request headers; never credentials.") { reader, node, path, http, _ in
            let headers = reader.headers(node, path, secret: false, seen: &http.headerNames) ?? []
            http.expectation.headers = Dictionary(uniqueKeysWithValues: headers.map { ($0.name, $0.value) })
        },
        Field("secret_headers", .node(.named(ValueType<SecretRef>.reference().schema)),
              doc: "Headers whose values are read from env files.") { reader, node, path, http, _ in
            let headers = reader.headers(node, path, secret: true, seen: &http.headerNames) ?? []
            http.expectation.secretHeaders = Dictionary(uniqueKeysWithValues: headers.compactMap { header in
                header.ref.map { (header.name, $0) }
            })
        },
        Field("bearer", .reference(), \.expectation.bearer, doc: "The bearer token, by reference to an env file variable."),
        Field("status", .statusCodes, \.expectation.status, doc: "The status codes accepted."),
        Field("body_contains", .texts, \.expectation.bodyContains, doc: "Text the body must contain."),
        Field("json", .jsonFields, \.expectation.json, doc: "JSON fields (dotted paths) and the values they must have."),
        Field("max_latency", .duration, \.expectation.maxLatencyMs, doc: "The slowest answer accepted."),
        Field("follow_redirects", .flag, \.expectation.followRedirects, doc: "Whether redirects are followed."),
        Field("verify_tls", .flag, \.expectation.verifyTLS, doc: "Whether the certificate is verified."),
    ], finish: { reader, _, present, _, path, http in
        if let bearer = present["bearer"]?.key, let header = http.headerNames["authorization"] {
            let later = ManifestReader.isBefore(header.key, bearer) ? (bearer, ManifestReader.join(path, "bearer")) : header
            reader.report(later.0, later.1, "bearer sets the Authorization header; give one or the other")
        }
    })

    private static let databaseURL = "/etc/app/prod.env#DATABASE_URL"

    static let postgres = Section<PostgresExpectation>(fields: [
        Field("dsn", .reference(example: databaseURL), \.dsn, doc: "The connection URL, by reference to an env file variable.",
              required: "the connection URL, by reference, like \(databaseURL)"),
        Field("query", .line("an SQL query like SELECT 1"), \.query, doc: "The query (default SELECT 1)."),
        Field("expect", .queryResult, \.expect, doc: "The value the query must return."),
    ], finish: { _, _, present, _, _, postgres in
        // `SELECT 1` must give 1; a query of the user's must run, and give `expect` when it says.
        if present["query"] != nil && present["expect"] == nil { postgres.expect = nil }
    })

    static let redis = Section<RedisExpectation>(fields: [
        Field("url", .reference(example: "/etc/app/prod.env#REDIS_URL",
                                hint: "; for a server without a password, give host and port instead"),
              \.url, doc: "The URL, by reference to an env file variable."),
        Field("host", .host, \.host, doc: "The host, for a server without a password."),
        Field("port", .port, \.port, doc: "The port."),
        Field("max_length", .queueLimits, \.maxLength, doc: "List keys and the most items each may hold."),
    ], finish: { reader, _, present, _, path, _ in
        if present["url"] != nil {
            reader.refuse(present, ["host", "port"], path, "give url or host and port, not both")
        }
    })

    static let command = Section<CommandExpectation>(fields: [
        Field("argv", .argv, \.argv, doc: "The program and its arguments.",
              required: "the program and its arguments, like \(ManifestReader.argvExample)"),
        Field("exit_status", .integer(0...255), doc: "The exit status expected (default 0).") { _, _, _, command, status in
            command.exitStatus = Int32(status)
        },
        Field("stdout_contains", .texts, \.stdoutContains, doc: "Text the output must contain."),
    ])
}

extension ValueType where T == Int64 {
    /// A database size above zero.
    static let databaseSize = ValueType.size.checked { $0 > 0 ? nil : "must be above zero" }
}
