import Yams

/// The manifest's keys, each declared once with its type, default and doc: the parser reads with these
/// declarations, and ``tree`` (the plain-data schema behind `steward manifest schema`) is derived from them.
///
/// Null: a list or a mapping given as null (`apps:` with everything below commented out) is empty; any other key
/// given as null is an error (`must not be empty; leave the key out for the default`), never silently the default.
enum ManifestSchema {
    /// The document being read: the manifest, and the defaults its checks take.
    struct Document {
        var manifest = Manifest.empty
        var checkDefaults = CheckDefaults()
    }

    static let document = Section<Document>(fields: [
        Field("version", .integer.checked { $0 == 1 ? nil : "unsupported version \($0); this Steward reads version 1" },
              \.manifest.version, doc: "Format version of this file; only 1 exists.", in: Document()),
        Field("journal_window", .journalWindow, \.manifest.journalWindowHours,
              doc: "How far back the audit reads the journal: 30m, 6h, 24h, 7d or 2w; minutes round up to whole hours.",
              in: Document()),
        Field("thresholds", .section(thresholds, .defaults), \.manifest.thresholds,
              doc: "Limits the rules compare against; a missing key keeps its default."),
        Field("apps", .named(app), doc: "The apps of this host, by name.") { reader, _, path, document, entries in
            for entry in entries {
                let valid = ManifestReader.isValidName(entry.name)
                if !valid { reader.report(entry.key, ManifestReader.join(path, entry.name), "invalid app name; \(ManifestReader.nameRule)") }
                if valid, let app = entry.value { document.manifest.apps.append(app) }
            }
            // blue-green: each instance's upstream (its name and its file under /etc/nginx/steward) is its own; `shop-a@b`
            // and `shop@a-b` would write one file.
            var upstreams: [String: String] = [:]
            for entry in entries {
                guard let app = entry.value, app.deploy?.strategy == .blueGreen else { continue }
                for instance in app.instances {
                    let label = "\(app.name)@\(instance.name)"
                    for key in [SlotUpstream.fileName(app: app.name, instance: instance.name), SlotUpstream.name(app: app.name, instance: instance.name)] {
                        if let other = upstreams[key], other != label {
                            reader.report(entry.key, ManifestReader.join(path, entry.name),
                                          "\(label) and \(other) would share nginx upstream \(key): rename one of them")
                            break
                        }
                        upstreams[key] = label
                    }
                }
            }
        },
        Field("silence", .list(silence, expected: "a list"),
              doc: "Findings accepted, each with its reason; the first that matches a finding wins.") { _, _, _, document, items in
            document.manifest.silences = items.compactMap(\.value)
        },
        Field("check_defaults", .section(checkDefaults, CheckDefaults()), \.checkDefaults,
              doc: "How every check runs unless it says otherwise."),
        Field("checks", .node(.list(.section(checkTree))), doc: "Health checks for steward check, in order.") { reader, node, path, document, _ in
            document.manifest.checks = reader.checks(node, path, defaults: document.checkDefaults)
        },
        Field("probes", .section(probes, .all), \.manifest.probes, doc: "The fact probes the audit runs; all by default."),
        Field("serve", .section(serve, .defaults), \.manifest.serve,
              doc: "The daemon (steward serve): its address, check scheduling, audits and history; defaults when absent."),
        Field("hosts", .named(host), doc: "The fleet operated from here over SSH, by name (--hosts NAME, GROUP or all).") { reader, _, path, document, entries in
            document.manifest.hosts = readHosts(&reader, path, entries, apps: document.manifest.apps)
        },
    ])

    /// The plain-data schema of `steward.yml`.
    static let tree = document.tree

    // MARK: - Thresholds

    static let thresholds = Section<Thresholds>(fields: [
        Field("disk_warning_percent", .percent, \.diskWarningPercent, doc: "Used space of any filesystem that warns, in percent.", in: .defaults),
        Field("disk_critical_percent", .percent, \.diskCriticalPercent, doc: "Used space that is critical; above the warning.", in: .defaults),
        Field("disk_warning_free", .size, \.diskWarningFreeBytes, doc: "Free space below which a filesystem warns, like 2GiB.", in: .defaults),
        Field("disk_critical_free", .size, \.diskCriticalFreeBytes, doc: "Free space that is critical; below the warning.", in: .defaults),
        Field("memory_warning_percent", .percent, \.memoryWarningPercent, doc: "Memory in use without caches that warns, in percent.", in: .defaults),
        Field("memory_critical_percent", .percent, \.memoryCriticalPercent, doc: "Memory in use that is critical; above the warning.", in: .defaults),
        Field("swap_warning_percent", .percent, \.swapWarningPercent, doc: "Swap in use that warns, in percent.", in: .defaults),
        Field("ssh_failed_logins_warning", .integer(1...Int.max), \.sshFailedLoginsWarning, doc: "Failed SSH logins within journal_window before a warning.", in: .defaults),
        Field("tracebacks_warning", .integer(1...Int.max), \.tracebacksWarning, doc: "Python tracebacks of one unit within journal_window before a warning.", in: .defaults),
        Field("restarts_warning", .integer(1...Int.max), \.restartsWarning, doc: "Restarts of one unit before a warning.", in: .defaults),
    ], finish: { reader, _, present, refused, path, t in
        // Warning strictly below critical; for free space the warning fires first, so its limit is the larger.
        reader.checkOrder(present, path, below: ("disk_warning_percent", t.diskWarningPercent),
                          above: ("disk_critical_percent", t.diskCriticalPercent), refused: refused, show: ManifestReader.format)
        reader.checkOrder(present, path, below: ("memory_warning_percent", t.memoryWarningPercent),
                          above: ("memory_critical_percent", t.memoryCriticalPercent), refused: refused, show: ManifestReader.format)
        reader.checkOrder(present, path, below: ("disk_critical_free", t.diskCriticalFreeBytes),
                          above: ("disk_warning_free", t.diskWarningFreeBytes), refused: refused, show: ByteSize.format)
    })

    // MARK: - Probes

    static let probes = Section<ProbeSelection>(fields: [
        Field("disable", .strings, doc: "Probes not to run on this host, by name (steward probes lists them).") { _, _, _, selection, names in
            selection.disabled = Set(names)
        },
    ])

    // MARK: - Check defaults

    /// `timeout`, `retries`, `retry_delay` and `interval`: `check_defaults:` of the manifest, `defaults:` of a checks file, and
    /// the same keys on each check.
    static let checkDefaults = Section<CheckDefaults>(fields: [
        Field("timeout", .duration, \.timeoutMs, doc: "How long one attempt may take, like 250ms, 2s or 1m.", in: CheckDefaults()),
        Field("retries", .integer(0...ManifestReader.maxRetries), \.retries, doc: "Attempts after a failure.", in: CheckDefaults()),
        Field("retry_delay", .duration, \.retryDelayMs, doc: "Pause between attempts.", in: CheckDefaults()),
        Field("interval", .duration.checked { $0 >= 1000 ? nil : "must be at least 1s" }, \.intervalMs,
              doc: "Time between runs under steward serve, like 30s or 5m.", in: CheckDefaults()),
    ])
}

extension ValueType where T == Int {
    /// The journal window in whole hours, rounded up: `30m` is 1, `7d` is 168.
    static let journalWindow = ValueType(
        schema: .string(pattern: durationPattern("mhdw"), example: "24h"),
        read: { reader, node, path in
            guard let minutes = reader.value(node, path, expected: "a duration like 30m, 6h, 24h or 7d", TimeWindow.parseMinutes)
            else { return nil }
            guard minutes > 0 else {
                reader.report(node, path, "must be longer than zero")
                return nil
            }
            return (minutes + 59) / 60
        }, written: { .string(TimeWindow.format(minutes: $0 * 60)) })
}
