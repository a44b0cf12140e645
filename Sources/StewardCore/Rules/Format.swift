import Foundation

/// Number formatting shared by rules and renderers, so the same quantity reads the same everywhere.
public enum Format {
    /// `1.6 GiB`, `512 MiB`, `12 KiB`.
    public static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(n) B" : String(format: value >= 100 ? "%.0f %@" : "%.1f %@", value, units[unit])
    }

    public static func percent(_ p: Double) -> String { String(format: "%.0f%%", p) }

    /// `8h 18m`, `3d 2h`.
    public static func duration(seconds: Int) -> String {
        let d = seconds / 86400, h = (seconds % 86400) / 3600, m = (seconds % 3600) / 60
        if d > 0 { return "\(d)d \(h)h" }
        if h > 0 { return "\(h)h \(m)m" }
        return "\(m)m"
    }

    /// `1.2 s`: a step's duration, to a tenth of a second.
    public static func seconds(milliseconds: Int) -> String { String(format: "%.1f s", Double(milliseconds) / 1000) }

    public static func list(_ items: [String], max: Int = 5) -> String {
        items.count <= max ? items.joined(separator: ", ") : items.prefix(max).joined(separator: ", ") + " and \(items.count - max) more"
    }
}
