import Yams

/// How every check of a file runs unless it says otherwise: `defaults:` of a checks file, `check_defaults:` of
/// `steward.yml`.
struct CheckDefaults: Equatable, Sendable {
    var timeoutMs = 5000
    var retries = 0
    var retryDelayMs = 200
    var intervalMs = CheckSpec.defaultIntervalMs
}

extension ManifestReader {
    /// The kinds by name, in the order messages list them.
    static let checkKinds = ManifestSchema.checkKinds.map(\.name)
    static let checkKindsByName = Dictionary(uniqueKeysWithValues: ManifestSchema.checkKinds.map { ($0.name, $0) })
    static let maxRetries = 10

    // MARK: - Files and lists

    /// The checks of a standalone checks file: `defaults:` and `checks:`. The empty document has no checks.
    mutating func checkFile(_ root: Node?) -> [CheckSpec] {
        guard let root, !Self.isNull(root) else { return [] }
        if case .sequence = root {
            report(root, "", "expected a mapping with a checks: list, got a list")
            return []
        }
        var checkFile = ManifestSchema.CheckFile()
        ManifestSchema.checkFile.read(root, "", into: &checkFile, &self)
        return checkFile.checks
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
        let known = ManifestSchema.checkIdentity.names + ManifestSchema.checkDefaults.names + Self.checkKinds
        guard let fields = fields(node, path, known: known) else { return nil }
        let before = errors.count
        var identity = ManifestSchema.CheckIdentity()
        ManifestSchema.checkIdentity.read(fields, node, path, into: &identity, &self)
        var settings = defaults
        ManifestSchema.checkDefaults.read(fields, node, path, into: &settings, &self)
        let valid = errors.count == before

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
        guard let kindValue = fields[kindKey.name]?.value, let checkKind = Self.checkKindsByName[kindKey.name],
              let kind = checkKind.read(&self, kindKey.key, kindValue, Self.join(path, kindKey.name)), valid
        else { return nil }

        let spec = CheckSpec(id: identity.name ?? kind.defaultID, app: identity.app, instance: identity.instance, kind: kind,
                             timeoutMs: settings.timeoutMs, retries: settings.retries,
                             retryDelayMs: settings.retryDelayMs, intervalMs: settings.intervalMs,
                             source: node.mark.map { "\(file):\($0.line)" } ?? file)
        return (spec, identity.nameNode ?? node)
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
