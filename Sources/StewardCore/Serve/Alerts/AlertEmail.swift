import Foundation

/// A notice as an RFC 5322 message for `sendmail -t -i`, which takes the recipients from `To:`. Every header value
/// is one line (``AlertHeaderText/oneLine(_:)``): a summary, subject or address with a line break in it cannot add
/// a `Bcc:` or any other header. Lines end in LF, as a local `sendmail` reads them; the MTA writes CRLF on the wire.
public enum AlertEmail {
    /// - Parameters:
    ///   - from: the channel's `from`; without one there is no `From:` and the MTA writes its own (msmtp's `from`,
    ///     postfix's `myorigin`), the address its relay accepts, rather than a guess such as `steward@HOSTNAME`.
    ///   - messageID: unique per message (a UUID); the host's name is added after `@`.
    public static func render(_ m: AlertMessage, to: [String], from: String?, messageID: String) -> String {
        let clean = AlertHeaderText.oneLine
        var headers: [String] = []
        if let from { headers.append("From: " + clean(from)) }
        headers += [
            "To: " + to.map(clean).joined(separator: ", "),
            "Subject: " + AlertHeaderText.encoded(AlertText.line(m), separator: "\n "),
            "Date: " + date(m.sentAt),
            "Message-ID: <\(clean(messageID))@\(domain(m.host))>",
            "Auto-Submitted: auto-generated",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        return headers.joined(separator: "\n") + "\n\n" + body(m)
    }

    /// The details, one per line (values made one line too, so no line of the body can be mistaken for the end of
    /// the headers or run past the 998 bytes mail allows).
    static func body(_ m: AlertMessage) -> String {
        let clean = AlertHeaderText.oneLine
        let iso = { (date: Date) in date.formatted(.iso8601) }
        var lines = [
            AlertText.line(m),
            "",
            "Event:     \(m.event.rawValue)",
            "Alert:     #\(m.alertID), rule \(clean(m.rule)), step \(m.step)",
            "Subject:   \(clean(m.subject))",
        ]
        if let app = m.app { lines.append("App:       \(clean(app))" + (m.instance.map { "@" + clean($0) } ?? "")) }
        lines += [
            "Severity:  \(m.severity.rawValue)",
            "Summary:   \(AlertHeaderText.truncated(clean(m.summary), 900))",
            "Since:     \(iso(m.since))",
        ]
        if let who = m.acknowledgedBy { lines.append("Acknowledged by: \(clean(who))") }
        if let deploy = m.deploy {
            lines.append("Deploy:    #\(deploy.id) of \(clean(deploy.ref)) by \(clean(deploy.operatorName)) at \(iso(deploy.startedAt))")
            lines.append("Roll back: \(clean(deploy.rollback))")
        }
        lines += ["Host:      \(clean(m.host))", "Sent:      \(iso(m.sentAt))", "", "-- ", "Sent by steward serve on \(clean(m.host))."]
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 5322 `date-time` in UTC: `Wed, 02 Dec 2026 02:22:08 +0000`.
    static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    /// The host's name as a Message-ID's right side: letters, digits, dots and hyphens only.
    static func domain(_ host: String) -> String {
        let kept = String(host.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-") })
        return kept.isEmpty ? "localhost" : kept
    }
}
