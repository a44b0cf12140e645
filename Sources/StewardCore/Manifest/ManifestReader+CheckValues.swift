import Yams

/// Value readers of checks: durations, names, paths, hosts, units, modes, secret references. Each reports its own
/// error and returns nil for a missing, null or invalid value, like the scalar readers of ``ManifestReader``.
extension ManifestReader {
    /// Reports each of `keys` the check gives, at its key: it makes no sense with the rest of the check (`because`).
    mutating func refuse(_ present: PresentKeys, _ keys: [String], _ path: String, _ because: String) {
        for key in keys {
            if let node = present[key]?.key { report(node, Self.join(path, key), because) }
        }
    }

    // MARK: - Values

    static let durationExample = "a duration like 250ms, 2s or 1m"

    /// A duration longer than zero, in milliseconds.
    mutating func duration(_ node: Node, _ path: String) -> Int? {
        guard let milliseconds = value(node, path, expected: Self.durationExample, CheckDuration.parseMilliseconds)
        else { return nil }
        guard milliseconds > 0 else {
            report(node, path, "must be longer than zero")
            return nil
        }
        return milliseconds
    }

    /// A window of whole minutes longer than zero: `10m`, `1h`, `1d`.
    mutating func minutes(_ node: Node, _ path: String) -> Int? {
        guard let minutes = value(node, path, expected: "a duration in whole minutes like 10m, 1h or 1d",
                                  TimeWindow.parseMinutes)
        else { return nil }
        guard minutes > 0 else {
            report(node, path, "must be longer than zero")
            return nil
        }
        return minutes
    }

    /// A one-line text that is not blank.
    mutating func text(_ node: Node, _ path: String, expected: String = "a string") -> String? {
        if Self.isNull(node) {
            report(node, path, "must not be empty")
            return nil
        }
        guard let text = string(node, path, expected: expected) else { return nil }
        if text.trimmingSpaces().isEmpty {
            report(node, path, "must not be empty")
            return nil
        }
        if text.contains(where: \.isNewline) {
            report(node, path, "expected \(expected) on one line, got a multi-line value")
            return nil
        }
        return text
    }

    /// One string or a list of them (`contains: PORT=` or `contains: [PORT=, HOST=]`), none empty.
    mutating func strings(_ node: Node, _ path: String) -> [String]? {
        if case .sequence(let items) = node {
            var result: [String] = []
            var valid = true
            for (index, item) in items.enumerated() {
                let itemPath = "\(path)[\(index)]"
                if let text = string(item, itemPath), !text.isEmpty {
                    result.append(text)
                } else {
                    if case .scalar = item { report(item, itemPath, "must not be empty") }
                    valid = false
                }
            }
            return valid ? result : nil
        }
        if Self.isNull(node) {
            report(node, path, "must not be empty")
            return nil
        }
        guard let text = string(node, path, expected: "a string or a list of strings") else { return nil }
        guard !text.isEmpty else {
            report(node, path, "must not be empty")
            return nil
        }
        return [text]
    }

    /// A number above zero, `1.5` or `3`.
    mutating func positiveNumber(_ node: Node, _ path: String) -> Double? {
        let parsed: Double? = value(node, path, expected: "a number like 1.5") { text in
            let digits = text.trimmingSpaces()
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") })
            else { return nil }
            return Double(digits)
        }
        guard let number = parsed else { return nil }
        guard number > 0 else {
            report(node, path, "must be above zero, got \(Self.format(number))")
            return nil
        }
        return number
    }

    /// An absolute path on one line.
    mutating func absolutePath(_ node: Node, _ path: String) -> String? {
        guard let text = text(node, path, expected: "an absolute path") else { return nil }
        guard text.hasPrefix("/") else {
            report(node, path, "expected an absolute path, got \(Self.describe(value: text))")
            return nil
        }
        return text
    }

    /// A port, 1 to 65535.
    mutating func port(_ node: Node, _ path: String) -> Int? {
        integer(node, path, in: 1...65535)
    }

    /// A host to connect to: an IP address (`127.0.0.1`, `::1`) or a DNS name (`db.internal`, `localhost`).
    mutating func host(_ node: Node, _ path: String) -> String? {
        guard let text = text(node, path, expected: "a host name or IP address") else { return nil }
        guard Self.isHost(text) else {
            report(node, path, "expected a host name or IP address like 127.0.0.1 or db.example.org, got "
                   + Self.describe(value: text))
            return nil
        }
        return IPAddress.isValid(text) ? IPAddress.normalized(text) : text
    }

    static func isHost(_ text: String) -> Bool {
        if IPAddress.isValid(text) { return true }
        guard (1...253).contains(text.count) else { return false }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }

    /// A user or group: a name like `marb` or `www-data`, or a numeric id.
    mutating func account(_ node: Node, _ path: String, _ what: String) -> String? {
        guard let text = text(node, path, expected: "a \(what) name") else { return nil }
        let allowed: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
        guard text.count <= 32, text.first != "-", text.allSatisfy(allowed) || (text.hasSuffix("$")
            && text.dropLast().allSatisfy(allowed))
        else {
            report(node, path, "expected a \(what) name like marb or a numeric id, got \(Self.describe(value: text))")
            return nil
        }
        return text
    }

    static let unitTypes = ["service", "socket", "timer", "target", "mount", "path", "slice", "scope"]

    /// A systemd unit that runs (`marb@prod.service`, `nginx.service`); a name without a type gets `.service`, as
    /// with systemctl. A template (`marb@.service`) is refused: it never runs itself.
    mutating func unit(_ node: Node, _ path: String) -> String? {
        guard let text = text(node, path, expected: "a systemd unit") else { return nil }
        let allowed: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || ":_.-\\@".contains($0)) }
        var unit = text
        if let dot = text.lastIndex(of: "."), Self.unitTypes.contains(String(text[text.index(after: dot)...])) {
            // Typed already.
        } else {
            unit += ".service"
        }
        let base = unit[..<unit.lastIndex(of: ".")!]
        guard !base.isEmpty, base.allSatisfy(allowed), base.first != "@", base.filter({ $0 == "@" }).count <= 1 else {
            report(node, path, "expected a systemd unit like \"marb@prod.service\" or \"nginx.service\", got "
                   + Self.describe(value: text))
            return nil
        }
        if base.hasSuffix("@") {
            let app = base.dropLast()
            report(node, path, "\(Self.describe(value: text)) is a template; name an instance, like \"\(app)@prod\(unit[base.endIndex...])\"")
            return nil
        }
        return unit
    }

    /// A file mode in octal: `"0600"`, `"600"`, `0640`, `0o750`; at most `7777`.
    mutating func fileMode(_ node: Node, _ path: String) -> Int? {
        value(node, path, expected: "an octal mode like \"0600\" or \"640\"") { text in
            var digits = Substring(text.trimmingSpaces())
            if digits.lowercased().hasPrefix("0o") { digits = digits.dropFirst(2) }
            guard (1...5).contains(digits.count), digits.allSatisfy({ ("0"..."7").contains($0) }),
                  let mode = Int(digits, radix: 8), mode <= 0o7777
            else { return nil }
            return mode
        }
    }

    // MARK: - Secrets

    static let secretRefExample = "/etc/app/prod.env#API_TOKEN"

    /// A secret by reference, `/abs/path#KEY`. Anything else is refused without repeating it: a value written here
    /// that is not a reference is most likely the secret itself.
    mutating func secretRef(_ node: Node, _ path: String, example: String = secretRefExample,
                            hint: String = "") -> SecretRef? {
        let expected = "a reference to an env file variable, like \(example)"
        if Self.isNull(node) {
            report(node, path, "must not be empty; expected \(expected)")
            return nil
        }
        guard case .scalar(let scalar) = node else {
            report(node, path, "expected \(expected), got \(Self.describe(node))")
            return nil
        }
        guard let ref = Self.secretRef(parsing: scalar.string) else {
            report(node, path, "expected \(expected); a secret is never written inline (the value is not shown)\(hint)")
            return nil
        }
        return ref
    }

    /// `/abs/path#KEY` with a file (not a directory) and a variable name `[A-Za-z_][A-Za-z0-9_]*`.
    static func secretRef(parsing text: String) -> SecretRef? {
        guard let ref = SecretRef(parsing: text), ref.file.count > 1, !ref.file.hasSuffix("/"),
              !ref.file.contains(where: \.isNewline), let first = ref.key.first, first.isASCII,
              first.isLetter || first == "_", ref.key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else { return nil }
        return ref
    }

    // MARK: - Order of thresholds

    /// Reports when `below` is not strictly less than `above`: at the second key of the two the file sets (in file
    /// order), or at the one it sets when the other is a default. Skips pairs where a set value was refused.
    mutating func checkOrder<T: Comparable>(_ present: PresentKeys, _ path: String, below: (key: String, value: T),
                                            above: (key: String, value: T), refused: Set<String>,
                                            show: (T) -> String) {
        guard below.value >= above.value, !refused.contains(below.key), !refused.contains(above.key) else { return }
        let belowNode = present[below.key]?.value, aboveNode = present[above.key]?.value
        func isLater(_ a: Node?, than b: Node?) -> Bool {
            guard let a = a?.mark else { return false }
            guard let b = b?.mark else { return true }
            return (a.line, a.column) > (b.line, b.column)
        }
        if isLater(aboveNode, than: belowNode) {
            let other = belowNode == nil ? "the default " : ""
            report(aboveNode, Self.join(path, above.key),
                   "\(show(above.value)) must be above \(below.key) (\(other)\(show(below.value)))")
        } else {
            let other = aboveNode == nil ? "the default " : ""
            report(belowNode, Self.join(path, below.key),
                   "\(show(below.value)) must be below \(above.key) (\(other)\(show(above.value)))")
        }
    }
}
