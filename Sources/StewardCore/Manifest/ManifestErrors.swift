/// Every problem of one manifest, sorted by position, so the user can fix them all in one pass.
public struct ManifestErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [ManifestError]

    public init(errors: [ManifestError]) {
        self.errors = errors
    }

    /// One error per line.
    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
