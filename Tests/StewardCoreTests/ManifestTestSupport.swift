import StewardCore

/// Helpers shared by the manifest tests.
enum ManifestFixture {
    /// The manifest of `yaml`, or nil (with the errors printed by the failing expectation) when it does not parse.
    static func manifest(_ yaml: String) -> Manifest? {
        try? ManifestParser.parse(yaml, file: "steward.yml").get()
    }

    /// The error descriptions of `yaml`, one per problem; empty when it parses.
    static func errors(_ yaml: String) -> [String] {
        switch ManifestParser.parse(yaml, file: "steward.yml") {
        case .success: []
        case .failure(let failure): failure.errors.map(\.description)
        }
    }
}
