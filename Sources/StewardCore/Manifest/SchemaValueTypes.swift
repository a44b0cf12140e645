import Yams

/// The value types of the manifest, over ``ManifestReader``'s scalar readers; each knows its schema and how its
/// default is written.
extension ValueType where T == String {
    static let string = ValueType(schema: .string(), read: { $0.string($1, $2) }, written: { .string($0) })

    /// An absolute path that may use `{instance}` when the app being read has instances.
    static let pathTemplate = ValueType(schema: .string(pattern: "^/", example: "/opt/app/{instance}"), read: { reader, node, path in
        guard let text = reader.string(node, path), reader.checkPathTemplate(text, node, path) else { return nil }
        return text
    })

    /// A one-line text that is not blank; `expected` names it in messages.
    static func text(_ expected: String) -> ValueType {
        ValueType(schema: .string(), read: { $0.text($1, $2, expected: expected) }, written: { .string($0) })
    }

    static let absolutePath = ValueType(schema: .string(pattern: "^/"), read: { $0.absolutePath($1, $2) },
                                        written: { .string($0) })

    static func account(_ what: String) -> ValueType {
        ValueType(schema: .string(pattern: "^[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?$"), read: { $0.account($1, $2, what) })
    }

    /// A path inside the checkout: relative, without `..`; `""` or `.` is the checkout itself when `allowEmpty`.
    static func relativePath(allowEmpty: Bool) -> ValueType {
        ValueType(schema: .string(), read: { reader, node, path in
            guard let text = reader.string(node, path) else { return nil }
            return reader.relativePath(text, node, path, allowEmpty: allowEmpty)
        }, written: { .string($0) })
    }
}

extension ValueType where T == Int {
    static let integer = ValueType(schema: .integer(), read: { $0.integer($1, $2) }, written: { .integer($0) })

    static func integer(_ range: ClosedRange<Int>) -> ValueType {
        ValueType(schema: .integer(minimum: range.lowerBound, maximum: range.upperBound == Int.max ? nil : range.upperBound),
                  read: { $0.integer($1, $2, in: range) }, written: { .integer($0) })
    }

    /// Whole minutes above zero: `10m`, `24h`, `7d`.
    static let minutes = ValueType(schema: .string(pattern: durationPattern("mhdw"), example: "24h"),
                                   read: { $0.minutes($1, $2) }, written: { .string(TimeWindow.format(minutes: $0)) })

    /// Milliseconds above zero: `250ms`, `2s`, `1m`.
    static let duration = ValueType(schema: .string(pattern: "^\\s*[0-9.]+\\s*[A-Za-z]+\\s*$", example: "5s"),
                                    read: { $0.duration($1, $2) },
                                    written: { .string($0 % 1000 == 0 ? "\($0 / 1000)s" : "\($0)ms") })

    /// The pattern of a whole number and one of `units`.
    static func durationPattern(_ units: String) -> String { "^\\s*[0-9]+\\s*[\(units)\(units.uppercased())]\\s*$" }
}

extension ValueType where T == Bool {
    static let bool = ValueType(schema: .boolean, read: { $0.bool($1, $2) }, written: { .boolean($0) })
}

extension ValueType where T == Double {
    /// `80`, `80.5` or `80%`, 0 to 100.
    static let percent = ValueType(
        schema: .anyOf([.number(minimum: 0, maximum: 100), .string(pattern: "^\\s*[0-9.]+\\s*%?\\s*$")]),
        read: { $0.percent($1, $2) }, written: { .number($0) })
}

extension ValueType where T == Int64 {
    /// `2GiB`, `512MiB`, `1.5G`, `1024`.
    static let size = ValueType(
        schema: .anyOf([.integer(minimum: 0), .string(pattern: "^\\s*[0-9.]+\\s*([KMGT](i?B)?|B)?\\s*$", example: "2GiB")]),
        read: { $0.size($1, $2) }, written: { .string(ByteSize.format($0).replacing(" ", with: "")) })
}

extension ValueType where T == [String] {
    /// One string or a list of them, none empty.
    static let strings = ValueType(schema: .anyOf([.string(), .list(.string())]), read: { $0.strings($1, $2) },
                                   written: { .array($0.map { .string($0) }) })
}

extension ValueType where T: RawRepresentable & CaseIterable & Sendable, T.RawValue == String {
    /// One of an enum's raw values.
    static var choice: ValueType {
        ValueType(schema: .choice(T.allCases.map(\.rawValue)), read: { reader, node, path in
            guard let text = reader.string(node, path) else { return nil }
            if let value = T(rawValue: text) { return value }
            reader.report(node, path, "expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got "
                          + ManifestReader.describe(value: text))
            return nil
        }, written: { .string($0.rawValue) })
    }
}

extension ValueType where T == SecretRef {
    /// `/abs/file.env#KEY`: a secret by reference, never inline.
    static func secretRef(example: String) -> ValueType {
        ValueType(schema: .string(pattern: "^/[^#]+#[A-Za-z_][A-Za-z0-9_]*$", example: example),
                  read: { $0.secretRef($1, $2, example: example) })
    }
}

extension TimeWindow {
    /// `7d`, `24h`, `90m`: minutes in days from two days on, else in hours when whole.
    static func format(minutes: Int) -> String {
        if minutes % (24 * 60) == 0 && minutes >= 2 * 24 * 60 { return "\(minutes / (24 * 60))d" }
        if minutes % 60 == 0 { return "\(minutes / 60)h" }
        return "\(minutes)m"
    }
}
