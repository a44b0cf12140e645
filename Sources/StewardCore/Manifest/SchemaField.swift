import Yams

/// How one kind of value is read: its shape for the schema, its reader, and how a default is written back.
///
/// The readers are ``ManifestReader``'s: each reports its own located error and gives nil for an invalid value.
struct ValueType<T>: Sendable {
    let schema: SchemaValue
    /// Reads a node that is not null (or is, for a type that accepts null).
    let read: @Sendable (inout ManifestReader, Node, String) -> T?
    /// The value as written in a manifest, for the schema's defaults.
    var written: @Sendable (T) -> SchemaJSON? = { _ in nil }
    /// Lists and mappings take null as empty; everything else refuses it.
    var acceptsNull = false
    /// What a null value says when this type refuses it and the key does not say; nil for the key's default.
    var nullMessage: String? = nil

    /// This type with a further rule: `problem` gives the message for a value that is refused.
    func checked(_ problem: @escaping @Sendable (T) -> String?) -> ValueType<T> {
        mapped(schema) { value in problem(value).map { .failure(Refusal($0)) } ?? .success(value) }.writing(written)
    }

    /// A type read as this one, then converted; a refusal is reported at the value.
    func mapped<U>(_ schema: SchemaValue, _ convert: @escaping @Sendable (T) -> Result<U, Refusal>) -> ValueType<U> {
        let read = self.read
        return ValueType<U>(schema: schema, read: { reader, node, path in
            guard let value = read(&reader, node, path) else { return nil }
            switch convert(value) {
            case .success(let converted): return converted
            case .failure(let refusal):
                reader.report(node, path, refusal.message)
                return nil
            }
        }, acceptsNull: acceptsNull, nullMessage: nullMessage)
    }

    /// The same type, whose null value is refused with `message`.
    func refusingNull(_ message: String) -> ValueType<T> {
        var copy = self
        copy.nullMessage = message
        return copy
    }

    /// The same type whose defaults are written with `written`.
    func writing(_ written: @escaping @Sendable (T) -> SchemaJSON?) -> ValueType<T> {
        var copy = self
        copy.written = written
        return copy
    }
}

/// Why a value is refused: the message reported at it.
struct Refusal: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// One key of a section: its schema entry and what its value does to the section's target.
struct Field<Target>: Sendable {
    let key: SchemaKey
    /// What a null value says, when the key refuses null.
    let nullMessage: String
    /// What a missing required key says after `missing key "name": `; empty for a plain `missing name`.
    let missingMessage: String?
    let apply: @Sendable (inout ManifestReader, Node, String, inout Target) -> Void
    /// Read before the other keys, which depend on it (an app's instances, an instance's address).
    private(set) var readsFirst = false

    /// This field, read before the others of its section; the documented order of keys stays as declared.
    func first() -> Field {
        var copy = self
        copy.readsFirst = true
        return copy
    }

    /// A key whose value is read by `type` and handed to `apply` with the node and path, for checks of its own.
    init<T>(_ name: String, _ type: ValueType<T>, doc: String, default defaultValue: SchemaJSON? = nil,
            required missing: String? = nil, null: String? = nil,
            apply: @escaping @Sendable (inout ManifestReader, Node, String, inout Target, T) -> Void) {
        key = SchemaKey(name: name, value: type.schema, doc: doc, defaultValue: defaultValue,
                        required: missing != nil, nullable: type.acceptsNull)
        nullMessage = null ?? type.nullMessage
            ?? (missing != nil ? "must not be empty" : "must not be empty; leave the key out for the default")
        missingMessage = missing
        let read = type.read
        self.apply = { reader, node, path, target in
            if let value = read(&reader, node, path) { apply(&reader, node, path, &target, value) }
        }
    }

    /// A key stored at `keyPath`; its default is the one of the section's starting value.
    init<T>(_ name: String, _ type: ValueType<T>, _ keyPath: WritableKeyPath<Target, T> & Sendable, doc: String,
            required missing: String? = nil, in initial: Target? = nil) {
        let defaultValue = initial.flatMap { type.written($0[keyPath: keyPath]) }
        self.init(name, type, doc: doc, default: defaultValue, required: missing) { _, _, _, target, value in
            target[keyPath: keyPath] = value
        }
    }

    /// A key stored at an optional `keyPath`; absent means none.
    init<T>(_ name: String, _ type: ValueType<T>, _ keyPath: WritableKeyPath<Target, T?> & Sendable, doc: String) {
        self.init(name, type, doc: doc) { _, _, _, target, value in target[keyPath: keyPath] = value }
    }
}

/// The keys of a section that the file gives: key and value nodes by name.
typealias PresentKeys = [String: (key: Node, value: Node)]

/// A mapping of fixed keys: the fields read into a target, then the rules across keys.
struct Section<Target>: Sendable {
    let fields: [Field<Target>]
    var exactlyOneOf: [String] = []
    /// Rules across keys, run after the fields: the place of the section's own problems (the mapping, or a check's
    /// kind key), the keys given and those whose value was refused.
    var finish: (@Sendable (inout ManifestReader, Node, PresentKeys, Set<String>, String, inout Target) -> Void)? = nil
    /// Whether a missing required key goes unreported when the mapping has an unknown key: that key, reported with
    /// its suggestion, is the likelier mistake (`chekcs:` for `checks:`).
    var missingYieldsToUnknown = false

    var tree: SchemaSection { SchemaSection(keys: fields.map(\.key), exactlyOneOf: exactlyOneOf) }
    var names: [String] { fields.map(\.key.name) }

    /// Reads `node` into `target`: unknown keys reported with a suggestion, null refused unless the key takes it,
    /// required keys checked, fields applied in declaration order (those marked ``Field/first()`` before), then the
    /// rules across keys. False when `node` is not a mapping.
    @discardableResult
    func read(_ node: Node, _ path: String, into target: inout Target, _ reader: inout ManifestReader) -> Bool {
        guard let present = reader.fields(node, path, known: names) else { return false }
        let reportsMissing = !missingYieldsToUnknown || !ManifestReader.hasUnknownKeys(node, known: names)
        read(present, node, path, into: &target, &reader, reportsMissing: reportsMissing)
        return true
    }

    /// Reads the keys given in `present`, whose unknown keys were already sorted out (a check, whose common keys
    /// and kind are read apart), then the rules across keys. `place` is where the section's own problems (a missing
    /// key, a rule across keys) are reported: the mapping, or a check's kind key (`http:`). `shorthand` is the key a
    /// check kind written as a plain value stands for (`service: marb@prod.service`): its value is at `path` itself.
    func read(_ present: PresentKeys, _ place: Node, _ path: String, into target: inout Target,
              _ reader: inout ManifestReader, shorthand: String? = nil, reportsMissing: Bool = true) {
        var refused: Set<String> = []
        for field in fields.filter(\.readsFirst) + fields.filter({ !$0.readsFirst }) {
            let name = field.key.name, keyPath = name == shorthand ? path : ManifestReader.join(path, name)
            guard let value = present[name]?.value else {
                if let missing = field.missingMessage, reportsMissing {
                    reader.report(place, path, missing.isEmpty ? "missing \(name)" : "missing key \"\(name)\": \(missing)")
                }
                continue
            }
            let before = reader.errors.count
            if ManifestReader.isNull(value) && !field.key.nullable {
                reader.report(value, keyPath, field.nullMessage)
            } else {
                field.apply(&reader, value, keyPath, &target)
            }
            if reader.errors.count > before { refused.insert(name) }
        }
        finish?(&reader, place, present, refused, path, &target)
    }
}

extension ValueType {
    /// A mapping read by `section` over `initial`; null is `initial`.
    static func section(_ section: Section<T>, _ initial: T) -> ValueType<T> where T: Sendable {
        ValueType(schema: .section(section.tree), read: { reader, node, path in
            var target = initial
            return section.read(node, path, into: &target, &reader) ? target : nil
        }, acceptsNull: true)
    }

    /// A list whose items are read by `item`, with each item's node and path; null is the empty list.
    static func list<E>(_ item: ValueType<E>, expected: String) -> ValueType<[(value: E, node: Node, path: String)]> {
        ValueType<[(value: E, node: Node, path: String)]>(schema: .list(item.schema), read: { reader, node, path in
            reader.items(node, path, expected: expected).compactMap { itemNode, itemPath in
                if ManifestReader.isNull(itemNode) && !item.acceptsNull {
                    reader.report(itemNode, itemPath, "must not be empty")
                    return nil
                }
                return item.read(&reader, itemNode, itemPath).map { ($0, itemNode, itemPath) }
            }
        }, acceptsNull: true)
    }

    /// A mapping from names (apps, instances) to values read by `item(name)`, in file order; null is empty.
    static func named<E>(_ item: @escaping @Sendable (String) -> ValueType<E>) -> ValueType<[(name: String, key: Node, value: E?)]> {
        let sample = item("")
        return ValueType<[(name: String, key: Node, value: E?)]>(
            schema: .named(sample.acceptsNull ? .anyOf([sample.schema, .null]) : sample.schema), read: { reader, node, path in
            reader.entries(node, path)?.map { entry in
                (entry.name, entry.key, item(entry.name).read(&reader, entry.value, ManifestReader.join(path, entry.name)))
            }
        }, acceptsNull: true)
    }

    /// The node itself, for a reader that needs more than the value (the checks, which take their defaults).
    static func node(_ schema: SchemaValue) -> ValueType<Node> {
        ValueType<Node>(schema: schema, read: { _, node, _ in node }, acceptsNull: true)
    }
}
