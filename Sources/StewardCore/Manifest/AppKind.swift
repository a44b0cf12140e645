/// The framework an app is built on; rules use it for framework-specific checks (health paths, worker options).
public enum AppKind: String, Sendable, Equatable, Codable, CaseIterable {
    case fastapi, django, streamlit, flask, generic
}
