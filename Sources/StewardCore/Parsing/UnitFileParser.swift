import Foundation

/// Reads the `[Service]` settings of a unit file as written (systemd's view, from `systemctl show`, may have
/// rewritten obsolete values).
public enum UnitFileParser {
    /// Last assignment of each key in the `[Service]` section; an empty assignment resets the key.
    public static func serviceSettings(_ text: String) -> [String: String] {
        var section = ""
        var settings: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") { section = line; continue }
            guard section == "[Service]", let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.isEmpty { settings[key] = nil } else { settings[key] = value }
        }
        return settings
    }
}
