/// The framework an app is built on; rules use it for framework-specific checks (health paths, worker options).
/// `compose`: a Docker Compose project, run as containers rather than systemd units.
public enum AppKind: String, Sendable, Equatable, Codable, CaseIterable {
    case fastapi, django, streamlit, flask, generic, compose
}
