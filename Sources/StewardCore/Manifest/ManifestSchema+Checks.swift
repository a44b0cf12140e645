import Yams

/// The keys of a check: the common ones, then exactly one kind, each a ``Section`` of its own keys
/// (`ManifestSchema+CheckKinds`). The check reader (`ManifestReader+Checks`) reads with these declarations.
extension ManifestSchema {
    /// A check kind: its section, how its expectation becomes a ``CheckSpec/Kind``, and the key its value stands
    /// for when written as a plain value (`service: marb@prod.service`, `command: [redis-cli, ping]`).
    struct CheckKind: Sendable {
        let name: String
        let doc: String
        let shorthand: String?
        let tree: SchemaSection
        /// Reads the kind's value (a mapping, its short form, or null) at `path`; `kindKey` is where a missing key is
        /// reported. Nil, with the reasons reported, when anything is wrong.
        let read: @Sendable (_ reader: inout ManifestReader, _ kindKey: Node, _ value: Node, _ path: String) -> CheckSpec.Kind?

        init<E>(_ name: String, doc: String, shorthand: String? = nil, _ section: Section<E>,
                _ initial: @escaping @Sendable () -> E, _ make: @escaping @Sendable (E) -> CheckSpec.Kind) {
            self.name = name
            self.doc = doc
            self.shorthand = shorthand
            tree = section.tree
            let short = shorthand.flatMap { key in section.tree.key(key).map { (key, $0.value.takesList) } }
            read = { reader, kindKey, node, path in
                let isShort: Bool = switch node {
                case .scalar: short != nil && !ManifestReader.isNull(node)
                case .sequence: short?.1 == true
                default: false
                }
                let present: PresentKeys
                if isShort, let (key, _) = short {
                    present = [key: (kindKey, node)]
                } else {
                    guard let keys = reader.fields(node, path, known: section.names) else { return nil }
                    present = keys
                }
                // An unknown key is reported (with a suggestion) but leaves the check valid.
                let before = reader.errors.count
                var expectation = initial()
                section.read(present, kindKey, path, into: &expectation, &reader, shorthand: isShort ? short?.0 : nil)
                return reader.errors.count == before ? make(expectation) : nil
            }
        }

        var schemaKey: SchemaKey {
            let section = SchemaValue.section(tree)
            var shapes = [section]
            if let shorthand, let key = tree.key(shorthand) { shapes.insert(key.value, at: 0) }
            return SchemaKey(name: name, value: shapes.count == 1 ? section : .anyOf(shapes), doc: doc,
                             nullable: !tree.keys.contains(where: \.required))
        }
    }

    /// The check's own keys: its id and what it belongs to.
    struct CheckIdentity {
        var name: String?
        /// Where a duplicate id is reported.
        var nameNode: Node?
        var app: String?
        var instance: String?
    }

    static let checkIdentity = Section<CheckIdentity>(fields: [
        Field("name", .line("a name like \"api health\""),
              doc: "The check's id in reports; default derived from what it checks.") { _, node, _, identity, name in
            (identity.name, identity.nameNode) = (name, node)
        },
        Field("app", .belonging("app"), \.app, doc: "The app the check belongs to."),
        Field("instance", .belonging("instance"), \.instance, doc: "The instance the check belongs to; needs app."),
    ], finish: { reader, _, present, _, path, _ in
        if let instance = present["instance"], present["app"] == nil {
            reader.report(instance.value, ManifestReader.join(path, "instance"), "needs app: the app this instance belongs to")
        }
    })

    /// The item of `checks:`.
    static let checkTree = SchemaSection(keys: checkIdentity.tree.keys + checkDefaults.tree.keys + checkKinds.map(\.schemaKey),
                                         exactlyOneOf: checkKinds.map(\.name))

    /// A checks file (`steward check --file`): the defaults its checks take, and the checks.
    struct CheckFile {
        var defaults = CheckDefaults()
        var checks: [CheckSpec] = []
    }

    static let checkFile = Section<CheckFile>(fields: [
        Field("defaults", .section(checkDefaults, CheckDefaults()), \.defaults, doc: "How every check runs unless it says otherwise."),
        Field("checks", .node(.list(.section(checkTree))), doc: "The checks to run.",
              required: "the list of checks to run") { reader, node, path, file, _ in
            file.checks = reader.checks(node, path, defaults: file.defaults)
        },
    ], missingYieldsToUnknown: true)
}

extension ValueType where T == String {
    /// An app or instance a check belongs to: the rules of app names.
    static func belonging(_ what: String) -> ValueType {
        ValueType.string.checked {
            ManifestReader.isValidName($0) ? nil : "invalid \(what) name; \(ManifestReader.nameRule)"
        }.refusingNull("must not be empty")
    }
}

extension SchemaValue {
    /// Whether a list is one of its shapes: a kind whose short form is a list (`command: [redis-cli, ping]`).
    var takesList: Bool {
        switch self {
        case .list: true
        case .anyOf(let shapes): shapes.contains(where: \.takesList)
        default: false
        }
    }
}
