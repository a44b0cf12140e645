/// The manifest's schema as plain data: sections, keys, value types, defaults, docs and allowed values.
///
/// It is derived from the very declarations the reader parses with (``ManifestSchema``), so the keys an editor is
/// told about (`steward manifest schema`), the keys the parser accepts and the keys an unknown one is compared with
/// for a suggestion cannot drift apart.
public struct SchemaSection: Sendable, Equatable {
    public var keys: [SchemaKey]
    /// Groups of which exactly one key must be given (a check's kind); empty for most sections.
    public var exactlyOneOf: [String]

    public init(keys: [SchemaKey], exactlyOneOf: [String] = []) {
        self.keys = keys
        self.exactlyOneOf = exactlyOneOf
    }

    /// The key names in declaration order.
    public var names: [String] { keys.map(\.name) }

    public func key(_ name: String) -> SchemaKey? { keys.first { $0.name == name } }
}

/// One key of a section.
public struct SchemaKey: Sendable, Equatable {
    public var name: String
    public var value: SchemaValue
    /// One sentence for editors' hovers.
    public var doc: String
    /// What an absent key means, as written in the manifest; nil when absence means "none" or "found on the host".
    public var defaultValue: SchemaJSON?
    /// Whether the section is invalid without it.
    public var required: Bool
    /// Whether an explicit null (`key:`, `key: ~`) is accepted, meaning "empty". Only lists and mappings accept it;
    /// for every other key null is an error, so `max_age: ~` never silently becomes the default.
    public var nullable: Bool

    public init(name: String, value: SchemaValue, doc: String, defaultValue: SchemaJSON? = nil, required: Bool = false,
                nullable: Bool = false) {
        self.name = name
        self.value = value
        self.doc = doc
        self.defaultValue = defaultValue
        self.required = required
        self.nullable = nullable
    }
}

/// The shape of a value.
public indirect enum SchemaValue: Sendable, Equatable {
    /// Text; `pattern` (a regular expression) when the form is fixed, `example` for editors.
    case string(pattern: String? = nil, example: String? = nil)
    case integer(minimum: Int? = nil, maximum: Int? = nil)
    case number(minimum: Double? = nil, maximum: Double? = nil)
    case boolean
    /// One of these words.
    case choice([String])
    case list(SchemaValue)
    /// A mapping with the section's keys.
    case section(SchemaSection)
    /// A mapping from names the user picks (apps, instances, headers) to values.
    case named(SchemaValue)
    /// Any of these shapes (`directories: [/srv/media]` or `[{path: /srv/media}]`).
    case anyOf([SchemaValue])
    /// Nothing: `key:` or `key: ~`, where it means empty.
    case null
}

/// A JSON value with its object keys in order, for defaults and the generated JSON Schema.
public indirect enum SchemaJSON: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral {
    case string(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case array([SchemaJSON])
    case object([(String, SchemaJSON)])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }

    public static func == (a: SchemaJSON, b: SchemaJSON) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): x == y
        case let (.integer(x), .integer(y)): x == y
        case let (.number(x), .number(y)): x == y
        case let (.boolean(x), .boolean(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
        default: false
        }
    }

    /// Pretty-printed with two-space indents, keys in their order, `/` not escaped.
    public func rendered(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .string(let text): return Self.quote(text)
        case .integer(let number): return String(number)
        case .number(let number):
            return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .boolean(let flag): return flag ? "true" : "false"
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { inner + $0.rendered(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            return "{\n" + members.map { inner + Self.quote($0.0) + ": " + $0.1.rendered(indent: inner) }
                .joined(separator: ",\n") + "\n\(indent)}"
        }
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
