import Yams

/// The readers of the local check kinds: service, port, tcp, tls, sqlite, file, disk, memory, load, journal.
extension ManifestReader {
    // MARK: - service

    mutating func serviceCheck(_ parts: CheckFields) -> ServiceExpectation? {
        var valid = true
        let unit = required(parts, "unit", "the systemd unit to check, like marb@prod.service", &valid) {
            $0.unit($1, $2)
        }
        var expectation = ServiceExpectation(unit: unit ?? "")
        if let active = optional(parts, "active", &valid, { $0.flag($1, $2) }) { expectation.active = active }
        expectation.enabled = optional(parts, "enabled", &valid) { $0.flag($1, $2) }
        expectation.subState = optional(parts, "sub_state", &valid) { reader, node, path in
            guard let text = reader.text(node, path, expected: "a sub-state like running") else { return nil }
            guard text.allSatisfy({ $0.isASCII && ($0.isLowercase || $0 == "-") }) else {
                reader.report(node, path, "expected a sub-state like running, exited or listening, got "
                              + Self.describe(value: text))
                return nil
            }
            return text
        }
        expectation.maxRestarts = optional(parts, "max_restarts", &valid) { $0.integer($1, $2, in: 0...Int.max) }
        expectation.user = optional(parts, "user", &valid) { $0.account($1, $2, "user") }
        return valid ? expectation : nil
    }

    // MARK: - port

    mutating func portCheck(_ parts: CheckFields) -> PortExpectation? {
        var valid = true
        let port = required(parts, "port", "the port number, like 8000", &valid) { $0.port($1, $2) }
        var expectation = PortExpectation(port: port ?? 0)
        expectation.address = optional(parts, "address", &valid) { reader, node, path in
            guard let text = reader.text(node, path, expected: "an IP address") else { return nil }
            guard IPAddress.isValid(text) else {
                reader.report(node, path, "expected an IP address like 127.0.0.1, 0.0.0.0 or ::1, got "
                              + Self.describe(value: text))
                return nil
            }
            return IPAddress.normalized(text)
        }
        if let udp = optional(parts, "udp", &valid, { $0.flag($1, $2) }) { expectation.udp = udp }
        expectation.ownerUnit = optional(parts, "owner_unit", &valid) { $0.unit($1, $2) }
        expectation.ownerProcess = optional(parts, "owner_process", &valid) {
            $0.text($1, $2, expected: "a process name like uvicorn")
        }
        if let listening = optional(parts, "listening", &valid, { $0.flag($1, $2) }) {
            expectation.listening = listening
            if !listening {
                refuse(parts, ["owner_unit", "owner_process"],
                       "applies only to a port that is listening; remove it or set listening: true", &valid)
            }
        }
        return valid ? expectation : nil
    }

    // MARK: - tcp

    mutating func tcpCheck(_ parts: CheckFields) -> TCPExpectation? {
        var valid = true
        let host = required(parts, "host", "the host to connect to, like 127.0.0.1", &valid) { $0.host($1, $2) }
        let port = required(parts, "port", "the port to connect to, like 5432", &valid) { $0.port($1, $2) }
        guard valid, let host, let port else { return nil }
        return TCPExpectation(host: host, port: port)
    }

    // MARK: - tls

    mutating func tlsCheck(_ parts: CheckFields) -> TLSExpectation? {
        var valid = true
        var expectation = TLSExpectation()
        expectation.host = optional(parts, "host", &valid) { $0.host($1, $2) }
        expectation.file = optional(parts, "file", &valid) { $0.absolutePath($1, $2) }
        switch (parts.fields["host"], parts.fields["file"]) {
        case (nil, nil):
            reportMissing(parts, "host", "the server to connect to (or file: a certificate file)")
            valid = false
        case let (host?, file?):
            let later = (host.key.mark?.line ?? 0, host.key.mark?.column ?? 0)
                > (file.key.mark?.line ?? 0, file.key.mark?.column ?? 0) ? "host" : "file"
            report(parts.fields[later]?.key, parts.at(later), "give host or file, not both")
            valid = false
        case (nil, _?):
            refuse(parts, ["port"], "applies only with host; a certificate file has no port", &valid)
        default:
            break
        }
        if let port = optional(parts, "port", &valid, { $0.port($1, $2) }) { expectation.port = port }
        expectation.serverName = optional(parts, "server_name", &valid) { reader, node, path in
            guard let name = reader.text(node, path, expected: "a host name") else { return nil }
            guard Self.isHost(name) else {
                reader.report(node, path, "expected a host name like marb.example.org, got \(Self.describe(value: name))")
                return nil
            }
            return name
        }
        var days: [String: Int] = [:]
        for key in ["warning_days", "critical_days"] {
            if let value = optional(parts, key, &valid, { $0.integer($1, $2, in: 0...36_500) }) { days[key] = value }
        }
        expectation.warningDays = days["warning_days"] ?? expectation.warningDays
        expectation.criticalDays = days["critical_days"] ?? expectation.criticalDays
        // The critical limit fires last, so it is the smaller number of days.
        checkThresholdOrder(parts, below: ("critical_days", expectation.criticalDays),
                            above: ("warning_days", expectation.warningDays), valid: days, show: String.init)
        if expectation.criticalDays >= expectation.warningDays { valid = false }
        if let allow = optional(parts, "allow_self_signed", &valid, { $0.flag($1, $2) }) {
            expectation.allowSelfSigned = allow
        }
        return valid ? expectation : nil
    }

    // MARK: - sqlite

    static let journalModes = ["delete", "truncate", "persist", "memory", "wal", "off"]

    mutating func sqliteCheck(_ parts: CheckFields) -> SQLiteExpectation? {
        var valid = true
        let path = required(parts, "path", "the database file, like /opt/app/app.db", &valid) {
            $0.absolutePath($1, $2)
        }
        var expectation = SQLiteExpectation(path: path ?? "")
        if let quick = optional(parts, "quick_check", &valid, { $0.flag($1, $2) }) { expectation.quickCheck = quick }
        expectation.journalMode = optional(parts, "journal_mode", &valid) { reader, node, path in
            guard let text = reader.text(node, path, expected: "a journal mode") else { return nil }
            guard Self.journalModes.contains(text.lowercased()) else {
                reader.report(node, path, "unknown journal mode \(Self.describe(value: text)); expected one of "
                              + Self.journalModes.joined(separator: ", "))
                return nil
            }
            return text.lowercased()
        }
        var sizes: [String: Int64] = [:]
        for key in ["warning_size", "critical_size"] {
            guard let size = optional(parts, key, &valid, { $0.size($1, $2) }) else { continue }
            if size > 0 {
                sizes[key] = size
            } else {
                report(parts[key], parts.at(key), "must be above zero")
                valid = false
            }
        }
        // Seed 002's limits (warning above 1 GiB, critical above 2 GiB) unless the check sets its own.
        expectation.warningBytes = sizes.isEmpty ? 1 << 30 : sizes["warning_size"]
        expectation.criticalBytes = sizes.isEmpty ? 2 << 30 : sizes["critical_size"]
        if let warning = sizes["warning_size"], let critical = sizes["critical_size"] {
            checkThresholdOrder(parts, below: ("warning_size", warning), above: ("critical_size", critical),
                                valid: sizes, show: ByteSize.format)
            if warning >= critical { valid = false }
        }
        return valid ? expectation : nil
    }

    // MARK: - file

    mutating func fileCheck(_ parts: CheckFields) -> FileExpectation? {
        var valid = true
        let path = required(parts, "path", "the file to check, like /etc/app/prod.env", &valid) {
            $0.absolutePath($1, $2)
        }
        var expectation = FileExpectation(path: path ?? "")
        if let exists = optional(parts, "exists", &valid, { $0.flag($1, $2) }) {
            expectation.exists = exists
            if !exists {
                refuse(parts, ["mode", "owner", "group", "contains"],
                       "applies only to a file that exists; remove it or set exists: true", &valid)
            }
        }
        expectation.mode = optional(parts, "mode", &valid) { $0.fileMode($1, $2) }
        expectation.owner = optional(parts, "owner", &valid) { $0.account($1, $2, "user") }
        expectation.group = optional(parts, "group", &valid) { $0.account($1, $2, "group") }
        if let contains = optional(parts, "contains", &valid, { $0.strings($1, $2) }) { expectation.contains = contains }
        return valid ? expectation : nil
    }

    // MARK: - disk, memory, load

    /// A warning and a critical percentage over defaults, the warning strictly below.
    private mutating func percentPair(_ parts: CheckFields, defaults: (warning: Double, critical: Double),
                                      _ valid: inout Bool) -> (warning: Double, critical: Double) {
        var percents: [String: Double] = [:]
        for key in ["warning", "critical"] {
            if let value = optional(parts, key, &valid, { $0.percent($1, $2) }) { percents[key] = value }
        }
        let pair = (warning: percents["warning"] ?? defaults.warning, critical: percents["critical"] ?? defaults.critical)
        checkThresholdOrder(parts, below: ("warning", pair.warning), above: ("critical", pair.critical),
                            valid: percents, show: Self.format)
        if pair.warning >= pair.critical { valid = false }
        return pair
    }

    mutating func diskCheck(_ parts: CheckFields) -> DiskExpectation? {
        var valid = true
        var expectation = DiskExpectation()
        if let path = optional(parts, "path", &valid, { $0.absolutePath($1, $2) }) { expectation.path = path }
        (expectation.warningPercent, expectation.criticalPercent) = percentPair(
            parts, defaults: (expectation.warningPercent, expectation.criticalPercent), &valid)
        return valid ? expectation : nil
    }

    mutating func memoryCheck(_ parts: CheckFields) -> MemoryExpectation? {
        var valid = true
        var expectation = MemoryExpectation()
        (expectation.warningPercent, expectation.criticalPercent) = percentPair(
            parts, defaults: (expectation.warningPercent, expectation.criticalPercent), &valid)
        return valid ? expectation : nil
    }

    mutating func loadCheck(_ parts: CheckFields) -> LoadExpectation? {
        var valid = true
        var expectation = LoadExpectation()
        var limits: [String: Double] = [:]
        for key in ["warning_per_cpu", "critical_per_cpu"] {
            if let value = optional(parts, key, &valid, { $0.positiveNumber($1, $2) }) { limits[key] = value }
        }
        expectation.warningPerCPU = limits["warning_per_cpu"] ?? expectation.warningPerCPU
        expectation.criticalPerCPU = limits["critical_per_cpu"] ?? expectation.criticalPerCPU
        checkThresholdOrder(parts, below: ("warning_per_cpu", expectation.warningPerCPU),
                            above: ("critical_per_cpu", expectation.criticalPerCPU), valid: limits, show: Self.format)
        if expectation.warningPerCPU >= expectation.criticalPerCPU { valid = false }
        return valid ? expectation : nil
    }

    // MARK: - journal

    mutating func journalCheck(_ parts: CheckFields) -> JournalExpectation? {
        var valid = true
        let unit = required(parts, "unit", "the systemd unit whose journal to read, like marb@prod.service", &valid) {
            $0.unit($1, $2)
        }
        var expectation = JournalExpectation(unit: unit ?? "")
        if let since = optional(parts, "since", &valid, { $0.minutes($1, $2) }) { expectation.sinceMinutes = since }
        expectation.pattern = optional(parts, "pattern", &valid) {
            $0.text($1, $2, expected: "a pattern like Traceback")
        }
        // A check for a pattern counts only the pattern unless it also sets max_errors.
        if parts["pattern"] != nil { expectation.maxErrors = nil }
        if let maxErrors = optional(parts, "max_errors", &valid, { $0.integer($1, $2, in: 0...Int.max) }) {
            expectation.maxErrors = maxErrors
        }
        if let maxMatches = optional(parts, "max_matches", &valid, { $0.integer($1, $2, in: 0...Int.max) }) {
            expectation.maxMatches = maxMatches
        }
        if parts["pattern"] == nil {
            refuse(parts, ["max_matches"], "needs pattern: the lines to count", &valid)
        }
        return valid ? expectation : nil
    }
}
