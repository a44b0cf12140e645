/// `SystemMaxUse=` as journald reads it: journald.conf, then the drop-ins in name order, the last one winning.
public enum JournaldConfig {
    /// The effective value, or nil when no file sets it (an empty assignment resets it to the default).
    public static func systemMaxUse(_ texts: [String]) -> String? {
        var value: String? = nil
        for text in texts {
            var inJournal = false
            for raw in text.split(separator: "\n") {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("[") { inJournal = line == "[Journal]"; continue }
                guard inJournal, !line.hasPrefix("#"), !line.hasPrefix(";"), let eq = line.firstIndex(of: "="),
                      line[..<eq].trimmingCharacters(in: .whitespaces) == "SystemMaxUse" else { continue }
                let v = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                value = v.isEmpty ? nil : v
            }
        }
        return value
    }
}
