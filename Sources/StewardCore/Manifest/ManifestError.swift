/// One problem of a manifest, located in the file: `steward.yml:12:7: apps.web.instances.prod.port: expected an
/// integer, got "80a"`.
///
/// Messages never contain the value of an unknown key, and repeat a wrong value only when it is short, so a secret
/// pasted into the manifest does not end up in a terminal or a CI log.
public struct ManifestError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The file name used in messages, as given to the parser.
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column (in Unicode scalars), when known.
    public var column: Int?
    /// Dot-separated key path with `[i]` for list items: `apps.web.instances.prod.port`, `silence[0].reason`;
    /// empty for the document itself.
    public var path: String
    public var message: String

    public init(file: String, line: Int?, column: Int?, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}
