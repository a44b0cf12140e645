/// A Docker Compose project declared in the manifest (`kind: compose`): which project its containers carry in their
/// labels, the compose files in the app's directory, and the services that must run. Declared, a project is judged
/// even when none of its containers exists any more.
public struct ComposeSpec: Sendable, Equatable, Codable {
    /// `-p` of the project; nil means Compose's own default, the directory's name.
    public var project: String?
    /// Relative to the app's directory; empty means Compose's default file.
    public var files: [String]
    /// Services expected to run; empty means every service that has a container.
    public var services: [String]
    /// The file Compose reads variables from (`--env-file`), a name in the project's directory; nil means `.env`.
    public var envFile: String?

    public init(project: String? = nil, files: [String] = [], services: [String] = []) {
        self.project = project
        self.files = files
        self.services = services
    }

    /// Compose's default project name for a directory: its last component, lower-cased, keeping letters, digits, `_`
    /// and `-` (`/opt/OpsConductor Pulse` → `opsconductorpulse`).
    public static func defaultProject(directory: String) -> String {
        let base = directory.split(separator: "/").last.map(String.init) ?? ""
        return String(base.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
    }

    /// The files Compose looks for when none is named, in its order.
    public static let defaultFiles = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"]
}
