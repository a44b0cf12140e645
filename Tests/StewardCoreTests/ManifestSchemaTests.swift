import Foundation
import Testing
import Yams
import StewardTestSupport
@testable import StewardCore

/// The one schema: the JSON Schema for editors and the parser come from the same declarations, so they accept the
/// same keys; null is refused unless a key takes it; defaults written in the schema are the model's.
@Suite("Manifest schema")
struct ManifestSchemaTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")

    static func jsonSchema() throws -> [String: Any] {
        let data = Data(ManifestJSONSchema.text().utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    // MARK: - JSON Schema

    @Test func theJSONSchemaIsValidJSONOfDraft2020() throws {
        let schema = try Self.jsonSchema()
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["additionalProperties"] as? Bool == false)
        let properties = try #require(schema["properties"] as? [String: Any])
        #expect(Set(properties.keys) == Set(ManifestSchema.tree.names))
    }

    @Test func theSchemaCommandOutputMatchesItsGolden() throws {
        try Golden.assertMatches(ManifestJSONSchema.text(), "manifest-schema.json")
    }

    /// Every key of a manifest, walked against the generated JSON Schema: a key the schema does not list fails.
    static func walk(_ node: Node, _ schema: [String: Any], _ path: String, _ unknown: inout [String]) {
        if let shapes = schema["anyOf"] as? [[String: Any]] {
            // The shape of the node's kind: a mapping takes the object shape, a list the array one.
            let type: String = switch node {
            case .mapping: "object"
            case .sequence: "array"
            default: "scalar"
            }
            if let shape = shapes.first(where: { ($0["type"] as? String) == type }) ?? shapes.first(where: { $0["anyOf"] != nil }) {
                walk(node, shape, path, &unknown)
            }
            return
        }
        switch node {
        case .mapping(let mapping):
            let properties = schema["properties"] as? [String: Any]
            for (key, value) in mapping {
                let name = key.string ?? "?"
                if let property = properties?[name] as? [String: Any] {
                    walk(value, property, "\(path).\(name)", &unknown)
                } else if let named = schema["additionalProperties"] as? [String: Any] {
                    walk(value, named, "\(path).\(name)", &unknown)
                } else {
                    unknown.append("\(path).\(name)")
                }
            }
        case .sequence(let items):
            guard let item = schema["items"] as? [String: Any] else { return }
            for (index, value) in items.enumerated() { walk(value, item, "\(path)[\(index)]", &unknown) }
        default:
            break
        }
    }

    @Test(arguments: ["steward.n1.yml"])
    func everyKeyOfTheExampleIsInTheJSONSchema(file: String) throws {
        let text = try String(contentsOf: Self.examples.appendingPathComponent(file), encoding: .utf8)
        // The commented alternatives too: each is a variant of the file.
        let variants = [text] + ExampleAlternativesTests.variants(of: text).map(\.text)
        let schema = try Self.jsonSchema()
        var walked = 0
        for variant in variants {
            let root = try #require(try Yams.compose(yaml: variant))
            var unknown: [String] = []
            Self.walk(root, schema, "", &unknown)
            #expect(unknown.isEmpty, "keys the schema does not list: \(unknown)")
            walked += 1
        }
        #expect(walked > 3)
    }

    @Test func theChecksOfTheChecksExampleAreInTheJSONSchema() throws {
        let text = try String(contentsOf: Self.examples.appendingPathComponent("checks.marb.yml"), encoding: .utf8)
        let root = try #require(try Yams.compose(yaml: text))
        let checks = try #require(root.mapping?["checks"])
        let properties = try #require(try Self.jsonSchema()["properties"] as? [String: Any])
        var unknown: [String] = []
        Self.walk(checks, try #require(properties["checks"] as? [String: Any]).anyOfFirst, "checks", &unknown)
        #expect(unknown.isEmpty, "keys the schema does not list: \(unknown)")
    }

    /// The walk itself: a key the schema lacks is found.
    @Test func theWalkFindsAKeyTheSchemaLacks() throws {
        let root = try #require(try Yams.compose(yaml: "apps:\n  web:\n    instances:\n      prod: {prot: 80}\n"))
        var unknown: [String] = []
        Self.walk(root, try Self.jsonSchema(), "", &unknown)
        #expect(unknown == [".apps.web.instances.prod.prot"])
    }

    /// Each key the schema lists, given at its place, is accepted by the parser (no "unknown key").
    @Test func theParserAcceptsEveryKeyTheSchemaLists() throws {
        func unknownKeys(_ yaml: String) -> [String] { ManifestFixture.errors(yaml).filter { $0.contains("unknown key") } }
        let tree = ManifestSchema.tree
        for key in tree.names { #expect(unknownKeys("\(key): ~\n") == []) }
        let app = ManifestSchema.appSection.tree
        for key in app.names { #expect(unknownKeys("apps:\n  web:\n    \(key): ~\n") == [], "\(key)") }
        for kind in ManifestSchema.checkKinds {
            for key in kind.tree.keys {
                #expect(unknownKeys("checks:\n  - \(kind.name): {\(key.name): ~}\n") == [], "\(kind.name).\(key.name)")
            }
        }
        #expect(unknownKeys("apps:\n  web:\n    colour: red\n") == [
            "steward.yml:3:5: apps.web.colour: unknown key; expected one of \(app.names.joined(separator: ", "))",
        ])
    }

    // MARK: - Null

    @Test func nullIsRefusedWhereAValueIsExpected() {
        #expect(ManifestFixture.errors("apps:\n  web:\n    backup:\n      max_age: ~\n") == [
            "steward.yml:4:16: apps.web.backup.max_age: must not be empty; leave the key out for the default",
        ])
        #expect(ManifestFixture.errors("journal_window:\nthresholds:\n  disk_warning_percent: null\n") == [
            "steward.yml:1:16: journal_window: must not be empty; leave the key out for the default",
            "steward.yml:3:25: thresholds.disk_warning_percent: must not be empty; leave the key out for the default",
        ])
        #expect(ManifestFixture.errors("apps:\n  web:\n    unit: ~\n    deploy: {strategy: ~}\n") == [
            "steward.yml:3:11: apps.web.unit: must not be empty; leave the key out for the default",
            "steward.yml:4:24: apps.web.deploy.strategy: must not be empty; leave the key out for the default",
        ])
    }

    @Test func nullIsEmptyForListsAndMappings() throws {
        let manifest = try #require(ManifestFixture.manifest("""
            thresholds:
            apps:
              web:
                instances:
                  prod:
                backup:
                  databases:
            silence:
            probes: ~
            """))
        #expect(manifest.thresholds == .defaults)
        #expect(manifest.apps.map(\.name) == ["web"])
        #expect(manifest.apps.first?.instances.map(\.name) == ["prod"])
        #expect(manifest.apps.first?.backup == BackupSpec())
        #expect(manifest.silences.isEmpty)
        #expect(manifest.probes == .all)
        #expect(ManifestSchema.tree.keys.filter(\.nullable).map(\.name) == ["thresholds", "apps", "silence", "check_defaults", "checks", "probes", "serve", "hosts"])
    }

    // MARK: - Suggestions and defaults

    @Test func unknownKeysStillGetSuggestions() {
        #expect(ManifestFixture.errors("probes:\n  disabel: [ntp]\n") == [
            #"steward.yml:2:3: probes.disabel: unknown key (did you mean "disable"?)"#,
        ])
        #expect(ManifestFixture.errors("apps:\n  web:\n    backup: {max-age: 2d}\n") == [
            #"steward.yml:3:14: apps.web.backup.max-age: unknown key (did you mean "max_age"?)"#,
        ])
    }

    /// The defaults the schema shows are the model's: the defaults, written as a manifest, parse to the defaults.
    @Test func theSchemasDefaultsParseToTheModelsDefaults() throws {
        func defaults(_ section: SchemaSection) -> String {
            SchemaJSON.object(section.keys.compactMap { key in key.defaultValue.map { (key.name, $0) } }).rendered()
        }
        let thresholds = defaults(ManifestSchema.thresholds.tree)
        let backup = defaults(ManifestSchema.backupSection.tree)
        let deploy = defaults(ManifestSchema.deploy.tree)
        #expect(backup.contains(#""max_age": "24h""#) && deploy.contains(#""min_free": "200MiB""#))
        let yaml = """
            journal_window: \(try #require(ManifestSchema.tree.key("journal_window")?.defaultValue).rendered())
            thresholds: \(thresholds)
            apps:
              web:
                kind: \(try #require(ManifestSchema.appSection.tree.key("kind")?.defaultValue).rendered())
                backup: \(backup)
                deploy: \(deploy)
            check_defaults: \(defaults(ManifestSchema.checkDefaults.tree))
            """
        let manifest = try ManifestParser.parse(yaml, file: "defaults.yml").get()
        #expect(manifest == Manifest(apps: [AppSpec(name: "web", backup: BackupSpec(), deploy: DeploySpec())]))
        #expect(thresholds.split(separator: ",").count == ManifestSchema.thresholds.fields.count)
    }
}

private extension Node {
    var string: String? { scalar?.string }
}

private extension Dictionary where Key == String, Value == Any {
    /// The first shape of an `anyOf` (a nullable key's value), or the schema itself.
    var anyOfFirst: [String: Any] { (self["anyOf"] as? [[String: Any]])?.first ?? self }
}
