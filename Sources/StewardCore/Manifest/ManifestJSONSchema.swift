/// The manifest schema as JSON Schema (draft 2020-12), for editors: yaml-language-server reads it from a
/// `# yaml-language-server: $schema=…` comment and offers completion, hovers and validation of key names and shapes.
///
/// It says what a JSON Schema can say (keys, types, ranges, allowed words); the rules across keys (a warning below
/// its critical limit, `{instance}` only with instances) stay with `steward manifest check`.
public enum ManifestJSONSchema {
    public static let id = "https://steward.dev/schema/steward-1.json"

    /// The schema of `steward.yml`.
    public static func document() -> SchemaJSON {
        var members: [(String, SchemaJSON)] = [
            ("$schema", "https://json-schema.org/draft/2020-12/schema"),
            ("$id", .string(id)),
            ("title", "steward.yml"),
            ("description", "The manifest of a host for Steward: apps, instances, thresholds, silences, checks."),
        ]
        members += object(ManifestSchema.tree)
        return .object(members)
    }

    /// `steward manifest schema`'s output.
    public static func text() -> String {
        document().rendered() + "\n"
    }

    static func schema(_ value: SchemaValue) -> [(String, SchemaJSON)] {
        switch value {
        case .string(let pattern, let example):
            var out: [(String, SchemaJSON)] = [("type", "string")]
            if let pattern { out.append(("pattern", .string(pattern))) }
            if let example { out.append(("examples", .array([.string(example)]))) }
            return out
        case .integer(let minimum, let maximum):
            var out: [(String, SchemaJSON)] = [("type", "integer")]
            if let minimum { out.append(("minimum", .integer(minimum))) }
            if let maximum { out.append(("maximum", .integer(maximum))) }
            return out
        case .number(let minimum, let maximum):
            var out: [(String, SchemaJSON)] = [("type", "number")]
            if let minimum { out.append(("minimum", .number(minimum))) }
            if let maximum { out.append(("maximum", .number(maximum))) }
            return out
        case .boolean:
            return [("type", "boolean")]
        case .choice(let words):
            return [("enum", .array(words.map { .string($0) }))]
        case .list(let item):
            return [("type", "array"), ("items", .object(schema(item)))]
        case .section(let section):
            return object(section)
        case .named(let item):
            return [("type", "object"), ("additionalProperties", .object(schema(item)))]
        case .anyOf(let shapes):
            return [("anyOf", .array(shapes.map { .object(schema($0)) }))]
        case .null:
            return [("type", "null")]
        }
    }

    /// A section: its properties in order, no others, its required keys and its exactly-one group.
    static func object(_ section: SchemaSection) -> [(String, SchemaJSON)] {
        let properties: [(String, SchemaJSON)] = section.keys.map { key in
            var property = schema(key.value)
            if key.nullable { property = schema(.anyOf([key.value, .null])) }
            property.append(("description", .string(key.doc)))
            if let value = key.defaultValue { property.append(("default", value)) }
            return (key.name, .object(property))
        }
        var out: [(String, SchemaJSON)] = [("type", "object"), ("properties", .object(properties)),
                                           ("additionalProperties", false)]
        let required = section.keys.filter(\.required).map { SchemaJSON.string($0.name) }
        if !required.isEmpty { out.append(("required", .array(required))) }
        if !section.exactlyOneOf.isEmpty {
            out.append(("oneOf", .array(section.exactlyOneOf.map { .object([("required", .array([.string($0)]))]) })))
        }
        return out
    }
}
