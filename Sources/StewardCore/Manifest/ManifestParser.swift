import Yams

/// Reads `steward.yml`. Pure: it takes the text and the file name used in messages; the caller reads the file.
public enum ManifestParser {
    /// Parses and validates a manifest.
    ///
    /// - Parameters:
    ///   - yaml: The whole file. The empty document (or only comments) is the empty manifest.
    ///   - file: The name shown in messages, e.g. `steward.yml`.
    /// - Returns: The manifest, or every problem of the file sorted by position. A YAML syntax error is a single
    ///   located error, since nothing after it can be read.
    public static func parse(_ yaml: String, file: String) -> Result<Manifest, ManifestErrors> {
        ManifestReader.read(yaml, file: file) { reader, root in
            var document = ManifestSchema.Document()
            if let root, !ManifestReader.isNull(root) { ManifestSchema.document.read(root, "", into: &document, &reader) }
            return document.manifest
        }
    }
}

extension ManifestReader {
    /// Composes `yaml` and runs `body` over its root, collecting every error; a syntax error is one located error.
    static func read<T>(_ yaml: String, file: String, _ body: (inout ManifestReader, Node?) -> T) -> Result<T, ManifestErrors> {
        let root: Node?
        do {
            // No implicit tags (`Resolver.basic`): the reader reads every scalar's text itself (`true`/`yes`, sizes,
            // durations, null), and Yams' default resolver compiles seven regular expressions on first use and runs
            // them on every plain scalar, ~1 ms of each start that reads a manifest or an inventory.
            root = try Yams.compose(yaml: yaml, .basic)
        } catch {
            return .failure(ManifestErrors(errors: [YAMLSyntaxError.manifestError(error, yaml: yaml, file: file)]))
        }
        var reader = ManifestReader(file: file)
        let value = body(&reader, root)
        return reader.errors.isEmpty ? .success(value) : .failure(ManifestErrors(errors: reader.sortedErrors))
    }

    /// Errors by position; errors at the same place keep the order they were found in.
    var sortedErrors: [ManifestError] {
        errors.enumerated().sorted { a, b in
            let l = (a.element.line ?? Int.max, a.element.column ?? Int.max, a.offset)
            let r = (b.element.line ?? Int.max, b.element.column ?? Int.max, b.offset)
            return l < r
        }.map(\.element)
    }

}
