import Yams

/// Walks the composed YAML of a manifest and collects every problem with its position and key path.
///
/// Each value reader reports its own errors and returns nil for an invalid value, so one pass finds all the problems
/// of a file. Which keys exist, and what null means for each, is ``ManifestSchema``'s: a ``Section`` drives these
/// readers.
struct ManifestReader {
    let file: String
    private(set) var errors: [ManifestError] = []
    /// The app being read, for `{instance}` templates and port claims.
    var app: AppScope?
    /// Every port the instances read so far listen on, across apps.
    var portClaims: [Int: [PortClaim]] = [:]

    init(file: String) {
        self.file = file
    }

    // MARK: - Errors

    mutating func report(_ node: Node?, _ path: String, _ message: String) {
        report(mark: node?.mark, path, message)
    }

    mutating func report(mark: Mark?, _ path: String, _ message: String) {
        errors.append(ManifestError(file: file, line: mark?.line, column: mark?.column, path: path, message: message))
    }

    /// `parent.key`, or `key` at the top.
    static func join(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : "\(parent).\(key)"
    }

    // MARK: - Describing values without leaking them

    /// Longest value repeated in a message; longer ones are described by their length only.
    static let maxEchoedLength = 40

    /// `"80a"` for a short one-line scalar, `a 57-character value` otherwise, `a mapping`, `a list`.
    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar): return describe(value: scalar.string)
        }
    }

    /// A scalar's text quoted when short and harmless, else a description that does not reveal it.
    static func describe(value: String) -> String {
        if value.contains(where: { $0.isNewline }) { return "a multi-line value" }
        if value.contains("://"), value.contains("@") { return "a URL with credentials" }
        if value.count > maxEchoedLength { return "a \(value.count)-character value" }
        let escaped = value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
        return "\"\(escaped)\""
    }

    /// Whether a node is YAML null: nothing, `~` or `null`, unquoted.
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        guard scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    // MARK: - Mappings

    /// The known keys of a mapping with their key and value nodes, in file order. Unknown keys are reported (with a
    /// suggestion, and never with their value); a node that is not a mapping is reported and gives nil; null gives
    /// an empty list.
    mutating func fields(_ node: Node, _ path: String, known: [String]) -> [String: (key: Node, value: Node)]? {
        if Self.isNull(node) { return [:] }
        guard case .mapping(let mapping) = node else {
            report(node, path, "expected a mapping, got \(Self.describe(node))")
            return nil
        }
        var result: [String: (key: Node, value: Node)] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                report(keyNode, path, "expected a key, got \(Self.describe(keyNode))")
                continue
            }
            let key = keyScalar.string
            if known.contains(key) {
                result[key] = (keyNode, value)
            } else {
                reportUnknownKey(keyNode, key, Self.join(path, key), known: known)
            }
        }
        return result
    }

    mutating func reportUnknownKey(_ keyNode: Node, _ key: String, _ path: String, known: [String]) {
        if KeySuggestion.looksLikeSecret(key) {
            report(keyNode, path,
                   "unknown key; secrets do not belong in the manifest (keep them in the app's environment file)")
        } else if key == "<<" {
            report(keyNode, path, "unknown key; YAML merge keys are not supported, write the keys out")
        } else if let suggestion = KeySuggestion.closest(to: key, in: known) {
            report(keyNode, path, "unknown key (did you mean \"\(suggestion)\"?)")
        } else if known.isEmpty {
            report(keyNode, path, "unknown key")
        } else {
            report(keyNode, path, "unknown key; expected one of \(known.joined(separator: ", "))")
        }
    }

    /// The entries of a mapping keyed by names (apps, instances), in file order. A name with a secret-like key and a
    /// plain value is reported as an unknown key, without its value. Null gives an empty list.
    mutating func entries(_ node: Node, _ path: String) -> [(name: String, key: Node, value: Node)]? {
        if Self.isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            report(node, path, "expected a mapping, got \(Self.describe(node))")
            return nil
        }
        var result: [(name: String, key: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                report(keyNode, path, "expected a name, got \(Self.describe(keyNode))")
                continue
            }
            let name = keyScalar.string
            if case .scalar = value, !Self.isNull(value), KeySuggestion.looksLikeSecret(name) {
                reportUnknownKey(keyNode, name, Self.join(path, name), known: [])
                continue
            }
            result.append((name, keyNode, value))
        }
        return result
    }

    /// The items of a list with their paths (`databases[0]`); null or missing is empty, anything else is reported.
    mutating func items(_ node: Node?, _ path: String, expected: String) -> [(Node, String)] {
        guard let node, !Self.isNull(node) else { return [] }
        guard case .sequence(let list) = node else {
            report(node, path, "expected \(expected), got \(Self.describe(node))")
            return []
        }
        return list.enumerated().map { ($0.element, "\(path)[\($0.offset)]") }
    }

    /// Whether `name` is a valid app or instance name: `[A-Za-z0-9][A-Za-z0-9_.-]*`.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isAlphanumeric(first) else { return false }
        return name.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "_" || $0 == "." || $0 == "-" }
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    // MARK: - Scalars

    /// The text of a scalar; nil (and reported) for a mapping or a list; nil for null.
    mutating func string(_ node: Node, _ path: String, expected: String = "a string") -> String? {
        if Self.isNull(node) { return nil }
        guard case .scalar(let scalar) = node else {
            report(node, path, "expected \(expected), got \(Self.describe(node))")
            return nil
        }
        return scalar.string
    }

    /// A scalar parsed by `parse`; reported as `expected <expected>, got "<value>"` when it does not parse.
    mutating func value<T>(_ node: Node, _ path: String, expected: String, _ parse: (String) -> T?) -> T? {
        guard let text = string(node, path, expected: expected) else { return nil }
        guard let value = parse(text) else {
            report(node, path, "expected \(expected), got \(Self.describe(value: text))")
            return nil
        }
        return value
    }

    mutating func integer(_ node: Node, _ path: String) -> Int? {
        value(node, path, expected: "an integer") { text in
            text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) ? Int(text) : nil
        }
    }

    mutating func bool(_ node: Node, _ path: String) -> Bool? {
        value(node, path, expected: "true or false") { text in
            switch text.lowercased() {
            case "true", "yes", "on": true
            case "false", "no", "off": false
            default: nil
            }
        }
    }

    /// An integer within `range`, reported as `must be between 1 and 65535, got 70000` otherwise.
    mutating func integer(_ node: Node, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard let number = integer(node, path) else { return nil }
        guard range.contains(number) else {
            if range.upperBound == Int.max {
                report(node, path, "must be at least \(range.lowerBound), got \(number)")
            } else {
                report(node, path, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
            }
            return nil
        }
        return number
    }

    /// A percentage, `80`, `80.5` or `80%`, between 0 and 100.
    mutating func percent(_ node: Node, _ path: String) -> Double? {
        let parsed: Double? = value(node, path, expected: "a percentage like 80 or 80%") { text in
            var digits = text.trimmingSpaces()
            if digits.hasSuffix("%") { digits = String(digits.dropLast()).trimmingSpaces() }
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") })
            else { return nil }
            return Double(digits)
        }
        guard let percent = parsed else { return nil }
        guard (0...100).contains(percent) else {
            report(node, path, "must be between 0 and 100, got \(Self.format(percent))")
            return nil
        }
        return percent
    }

    /// A size, `2GiB`, `512MiB`, `1.5G`, `100M`, `1024`.
    mutating func size(_ node: Node, _ path: String) -> Int64? {
        value(node, path, expected: "a size like 512MiB, 2GiB, 1.5G or 1024", ByteSize.parse)
    }

    /// `80` for 80.0, `80.5` for 80.5.
    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}
