/// The headers of an ntfy publish (`POST` of ``AlertText/line(_:)`` to the topic URL): the title a phone shows,
/// how loudly (ntfy priorities 1-5), and tags (emoji shortcodes ntfy draws, then the event as a word).
public enum AlertNtfyHeaders {
    public static func render(_ m: AlertMessage) -> [(name: String, value: String)] {
        let title = "\(AlertText.tag(m.event)) \(m.severity.rawValue): \(AlertHeaderText.oneLine(m.subject))"
        return [
            ("Title", AlertHeaderText.encoded(AlertHeaderText.truncated(title, 120), separator: " ")),
            ("Priority", String(priority(m))),
            ("Tags", "\(emoji(m)),\(m.event.rawValue)"),
        ]
    }

    /// 5 (urgent) critical, 4 (high) warning, 3 (default) info, for notices that say the check is bad. An
    /// acknowledgement or a resolution is 3 whatever the severity: good news should not ring through do-not-disturb
    /// as the alert did.
    static func priority(_ m: AlertMessage) -> Int {
        guard AlertText.isFailing(m.event) else { return 3 }
        switch m.severity {
        case .critical: return 5
        case .warning: return 4
        case .info: return 3
        }
    }

    static func emoji(_ m: AlertMessage) -> String {
        switch m.event {
        case .resolved: return "white_check_mark"
        case .acknowledged: return "eyes"
        default:
            switch m.severity {
            case .critical: return "rotating_light"
            case .warning: return "warning"
            case .info: return "information_source"
            }
        }
    }
}
