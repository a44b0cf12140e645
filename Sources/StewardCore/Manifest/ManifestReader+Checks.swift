import Yams

/// How every check of a file runs unless it says otherwise: `defaults:` of a checks file, `check_defaults:` of
/// `steward.yml`.
struct CheckDefaults: Equatable, Sendable {
    var timeoutMs = 5000
    var retries = 0
    var retryDelayMs = 200
}

/// The parts of a check kind's mapping (`http: {url: …, status: 200}`) that its reader needs.
///
/// A kind written as a plain value (`service: marb@prod.service`, `file: /etc/marb/prod.env`,
/// `command: [redis-cli, ping]`) is its primary key in short: then that key's errors are reported at the kind's path.
struct CheckFields {
    var fields: [String: (key: Node, value: Node)]
    /// `checks[2].http`.
    let path: String
    /// The kind key (`http`), where a missing key is reported.
    let kindKey: Node
    /// The primary key when the kind was written in short.
    var shorthand: String? = nil

    subscript(_ key: String) -> Node? { fields[key]?.value }

    /// The path of `key`: `checks[2].http.status`, or `checks[0].service` for the unit of `service: marb.service`.
    func at(_ key: String) -> String {
        key == shorthand ? path : ManifestReader.join(path, key)
    }
}

extension ManifestReader {
    static let checkFileKeys = ManifestSchema.checkFileTree.names
    static let checkCommonKeys = (ManifestSchema.checkIdentity + ManifestSchema.checkDefaults.tree.keys).map(\.name)
    /// The kinds in the order messages list them.
    static let checkKinds = ManifestSchema.checkKinds.map(\.name)
    /// The key a kind's value stands for when the kind is written as a plain value.
    static let checkShorthands = Dictionary(uniqueKeysWithValues: ManifestSchema.checkKinds.compactMap { kind in
        kind.shorthand.map { (kind.name, $0) }
    })
    /// The known keys of each kind's mapping.
    static let checkKindKeys = Dictionary(uniqueKeysWithValues: ManifestSchema.checkKinds.map { ($0.name, $0.keys.map(\.name)) })
    static let maxRetries = 10

    // MARK: - Files and lists

    /// The checks of a standalone checks file: `defaults:` and `checks:`. The empty document has no checks.
    mutating func checkFile(_ root: Node?) -> [CheckSpec] {
        guard let root, !Self.isNull(root) else { return [] }
        if case .sequence = root {
            report(root, "", "expected a mapping with a checks: list, got a list")
            return []
        }
        guard let fields = fields(root, "", known: Self.checkFileKeys) else { return [] }
        let defaults = fields["defaults"].map { checkDefaults($0.value, "defaults") } ?? CheckDefaults()
        guard let list = fields["checks"]?.value else {
            if !Self.hasUnknownKeys(root, known: Self.checkFileKeys) {
                report(root, "", "missing key \"checks\": the list of checks to run")
            }
            return []
        }
        return checks(list, "checks", defaults: defaults)
    }

    /// `timeout`, `retries` and `retry_delay` over the built-in defaults (5s, 0, 200ms).
    mutating func checkDefaults(_ node: Node, _ path: String) -> CheckDefaults {
        var defaults = CheckDefaults()
        ManifestSchema.checkDefaults.read(node, path, into: &defaults, &self)
        return defaults
    }

    /// A list of checks, in file order. Checks with a problem are reported and left out; a check whose id another
    /// check already has is reported at the second.
    mutating func checks(_ node: Node, _ path: String, defaults: CheckDefaults) -> [CheckSpec] {
        if Self.isNull(node) { return [] }
        guard case .sequence(let items) = node else {
            report(node, path, "expected a list, got \(Self.describe(node))")
            return []
        }
        var result: [CheckSpec] = []
        var seen: [String: (index: Int, line: Int?)] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            let reported = errors.count
            guard let (spec, idNode) = check(item, itemPath, defaults: defaults) else {
                // Every refusal says why; this only guards against a check dropped without a word.
                if errors.count == reported { report(item, itemPath, "invalid check") }
                continue
            }
            if let first = seen[spec.id] {
                let place = first.line.map { "\(path)[\(first.index)] at line \($0)" } ?? "\(path)[\(first.index)]"
                report(idNode, itemPath, "duplicate id \(Self.quote(spec.id)), already used by \(place); "
                       + "give one of them a distinct name")
                continue
            }
            seen[spec.id] = (index, item.mark?.line)
            result.append(spec)
        }
        return result
    }

    // MARK: - One check

    /// One list item: the common keys and exactly one kind key. Returns the spec and the node a duplicate id is
    /// reported at (the name, or the item).
    private mutating func check(_ node: Node, _ path: String, defaults: CheckDefaults) -> (CheckSpec, Node)? {
        let kindList = Self.checkKinds.joined(separator: ", ")
        if Self.isNull(node) {
            report(node, path, "empty check; expected exactly one of \(kindList)")
            return nil
        }
        guard case .mapping(let mapping) = node else {
            report(node, path, "expected a mapping with one of \(kindList), got \(Self.describe(node))")
            return nil
        }
        let known = Self.checkCommonKeys + Self.checkKinds
        guard let fields = fields(node, path, known: known) else { return nil }
        func at(_ key: String) -> String { Self.join(path, key) }
        var valid = true

        var name: String? = nil
        if let nameNode = fields["name"]?.value {
            name = checkName(nameNode, at("name"))
            if name == nil { valid = false }
        }
        var app: String? = nil, instance: String? = nil
        for key in ["app", "instance"] {
            guard let valueNode = fields[key]?.value else { continue }
            guard let text = string(valueNode, at(key)) else {
                if Self.isNull(valueNode) { report(valueNode, at(key), "must not be empty") }
                valid = false
                continue
            }
            guard Self.isValidName(text) else {
                report(valueNode, at(key), "invalid \(key) name; \(Self.nameRule)")
                valid = false
                continue
            }
            if key == "app" { app = text } else { instance = text }
        }
        if let instanceNode = fields["instance"]?.value, fields["app"] == nil {
            report(instanceNode, at("instance"), "needs app: the app this instance belongs to")
            valid = false
        }
        var settings = defaults
        if !ManifestSchema.checkDefaults.readFields(fields, node, path, into: &settings, &self).isEmpty { valid = false }

        // Exactly one kind, in file order.
        let kindKeys = mapping.compactMap { key, _ -> (name: String, key: Node)? in
            guard case .scalar(let scalar) = key, Self.checkKinds.contains(scalar.string) else { return nil }
            return (scalar.string, key)
        }
        guard let kindKey = kindKeys.first else {
            if !Self.hasUnknownKeys(node, known: known) {
                report(node, path, "expected exactly one of \(kindList), got none")
            }
            return nil
        }
        guard kindKeys.count == 1 else {
            let names = kindKeys.map(\.name)
            let got = names.dropLast().joined(separator: ", ") + " and " + names.last!
            report(kindKeys[1].key, path, "expected exactly one of \(kindList), got \(got)")
            return nil
        }
        guard let kindValue = fields[kindKey.name]?.value,
              let kind = checkKind(kindKey.name, kindKey.key, kindValue, at(kindKey.name)), valid
        else { return nil }

        let spec = CheckSpec(id: name ?? kind.defaultID, app: app, instance: instance, kind: kind,
                             timeoutMs: settings.timeoutMs, retries: settings.retries,
                             retryDelayMs: settings.retryDelayMs,
                             source: node.mark.map { "\(file):\($0.line)" } ?? file)
        return (spec, fields["name"]?.value ?? node)
    }

    /// The kind's expectation, read from its mapping or its short form; nil (and reported) when invalid.
    private mutating func checkKind(_ kind: String, _ keyNode: Node, _ node: Node, _ path: String) -> CheckSpec.Kind? {
        var parts: CheckFields
        let isShort: Bool
        switch node {
        case .scalar: isShort = !Self.isNull(node) && Self.checkShorthands[kind] != nil
        case .sequence: isShort = kind == "command"
        default: isShort = false
        }
        if isShort, let primary = Self.checkShorthands[kind] {
            parts = CheckFields(fields: [primary: (keyNode, node)], path: path, kindKey: keyNode, shorthand: primary)
        } else {
            guard let fields = fields(node, path, known: Self.checkKindKeys[kind] ?? []) else { return nil }
            parts = CheckFields(fields: fields, path: path, kindKey: keyNode)
        }
        switch kind {
        case "service": return serviceCheck(parts).map { .service($0) }
        case "port": return portCheck(parts).map { .port($0) }
        case "http": return httpCheck(parts).map { .http($0) }
        case "tcp": return tcpCheck(parts).map { .tcp($0) }
        case "tls": return tlsCheck(parts).map { .tls($0) }
        case "postgres": return postgresCheck(parts).map { .postgres($0) }
        case "redis": return redisCheck(parts).map { .redis($0) }
        case "sqlite": return sqliteCheck(parts).map { .sqlite($0) }
        case "file": return fileCheck(parts).map { .file($0) }
        case "command": return commandCheck(parts).map { .command($0) }
        case "disk": return diskCheck(parts).map { .disk($0) }
        case "memory": return memoryCheck(parts).map { .memory($0) }
        case "load": return loadCheck(parts).map { .load($0) }
        case "journal": return journalCheck(parts).map { .journal($0) }
        default: return nil
        }
    }

    /// Reports `missing key "<key>": <what>` at the kind key.
    mutating func reportMissing(_ parts: CheckFields, _ key: String, _ what: String) {
        report(parts.kindKey, parts.path, "missing key \"\(key)\": \(what)")
    }

    /// Whether a mapping has a key outside `known` (already reported by ``fields(_:_:known:)``).
    static func hasUnknownKeys(_ node: Node, known: [String]) -> Bool {
        guard case .mapping(let mapping) = node else { return false }
        return mapping.contains { key, _ in
            guard case .scalar(let scalar) = key else { return true }
            return !known.contains(scalar.string)
        }
    }

    /// A check's own text (an id, a name) in quotes, escaped; not shortened, since it is the user's label.
    static func quote(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
}
