import Yams

/// The value types of check keys, over the check value readers (`ManifestReader+CheckValues`). Their null messages
/// are the checks' own: a text says `must not be empty`, a flag `expected true or false, got nothing`.
extension ValueType where T == Bool {
    static let flag = ValueType.bool.refusingNull("expected true or false, got nothing")
}

extension ValueType where T == String {
    /// A one-line text that is not blank; `expected` names it in messages.
    static func line(_ expected: String) -> ValueType {
        ValueType(schema: .string(), read: { $0.text($1, $2, expected: expected) }, nullMessage: empty)
    }

    /// A unit that runs, like `marb@prod.service`; `.service` is added to a name without a type.
    static let runningUnit = ValueType(schema: .string(), read: { $0.unit($1, $2) }, nullMessage: empty)

    /// A host name or IP address to connect to.
    static let host = ValueType(schema: .string(), read: { $0.host($1, $2) }, nullMessage: empty)

    /// A file of the host, by absolute path.
    static let file = ValueType.absolutePath.refusingNull(empty)

    /// A user or group name, or a numeric id.
    static func accountName(_ what: String) -> ValueType {
        ValueType(schema: .string(), read: { $0.account($1, $2, what) }, nullMessage: empty)
    }

    /// An `http` or `https` URL without credentials.
    static let httpURL = ValueType(
        schema: .string(pattern: "^[Hh][Tt][Tt][Pp][Ss]?://", example: ManifestReader.urlExample),
        read: { $0.httpURL($1, $2) }, nullMessage: empty)

    /// The value a query returns, compared as text; null is `NULL`.
    static let queryResult = ValueType(schema: .anyOf([.string(), .number(), .boolean]), read: { reader, node, path in
        guard case .scalar(let scalar) = node else {
            reader.report(node, path, "expected the value the query returns, got \(ManifestReader.describe(node))")
            return nil
        }
        return ManifestReader.isNull(node) ? "NULL" : scalar.string
    }, acceptsNull: true)

    fileprivate static var empty: String { "must not be empty" }
}

extension ValueType where T == [String] {
    /// One string or a list of them, none empty.
    static let texts = ValueType.strings.refusingNull(ValueType<String>.empty)

    /// A program and its arguments, run without a shell.
    static let argv = ValueType(schema: ValueType.strings.schema, read: { $0.argv($1, $2) },
                                nullMessage: "must not be empty; expected a list like \(ManifestReader.argvExample)")
}

extension ValueType where T == [Int] {
    /// `200` or `[200, 204]`.
    static let statusCodes = ValueType(
        schema: .anyOf([.integer(minimum: 100, maximum: 599), .list(.integer(minimum: 100, maximum: 599))]),
        read: { $0.statusCodes($1, $2) }, nullMessage: "expected an integer 100-599 or a list of them, got nothing")
}

extension ValueType where T == [String: String] {
    /// `{status: healthy, "data.ok": "true"}`; null is none.
    static let jsonFields = ValueType(schema: .named(.anyOf([.string(), .number(), .boolean])),
                                      read: { $0.jsonFields($1, $2) }, acceptsNull: true)
}

extension ValueType where T == [String: Int] {
    /// `{celery: 100}`; null is none.
    static let queueLimits = ValueType(schema: .named(.integer(minimum: 0)), read: { $0.queueLimits($1, $2) },
                                       acceptsNull: true)
}

extension ValueType where T == Int {
    static let port = ValueType.integer(1...65535)

    /// An octal mode: `"0600"`, `640`, `0o750`.
    static let fileMode = ValueType(schema: .anyOf([.string(pattern: "^(0o)?[0-7]{1,5}$"), .integer(minimum: 0)]),
                                    read: { $0.fileMode($1, $2) })
}

extension ValueType where T == Double {
    /// A number above zero, `1.5` or `3`.
    static let positive = ValueType(schema: .number(minimum: 0), read: { $0.positiveNumber($1, $2) })
}

extension ValueType where T == SecretRef {
    /// A secret by reference; `hint` follows the refusal of a value that is not one.
    static func reference(example: String = ManifestReader.secretRefExample, hint: String = "") -> ValueType {
        ValueType(schema: .string(pattern: "^/[^#]+#[A-Za-z_][A-Za-z0-9_]*$", example: ManifestReader.secretRefExample),
                  read: { $0.secretRef($1, $2, example: example, hint: hint) },
                  nullMessage: "must not be empty; expected a reference to an env file variable, like \(example)")
    }
}
