/// What certbot's newest log (`/var/log/letsencrypt/letsencrypt.log`; older runs rotate to `.1`, `.2`…) says
/// about renewals that failed. Certbot writes the names of lineages and paths there, never keys.
public enum CertbotLog {
    /// Lineages that failed, in order, and the lines that say so (at most `maxLines`, each cut to 300 characters).
    public static func failures(_ text: String, maxLines: Int = 5) -> (lineages: [String], lines: [String]) {
        var lineages: [String] = []
        var lines: [String] = []
        func add(_ name: String, _ line: Substring) {
            let name = name.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { return }
            if !lineages.contains(name) { lineages.append(name) }
            if lines.count < maxLines { lines.append(String(line.trimmingCharacters(in: .whitespaces).prefix(300))) }
        }
        for line in text.split(separator: "\n") {
            // certbot 1.x-2.x: "Failed to renew certificate example.org with error: …"
            if let r = line.range(of: "Failed to renew certificate ") {
                add(String(line[r.upperBound...].prefix { $0 != " " }), line)
            // 0.x: "Attempting to renew cert (example.org) from /etc/letsencrypt/renewal/example.org.conf produced an unexpected error: …"
            } else if line.contains("produced an unexpected error"), let open = line.range(of: "renew cert ("),
                      let close = line[open.upperBound...].firstIndex(of: ")") {
                add(String(line[open.upperBound..<close]), line)
            // The summary: "  /etc/letsencrypt/live/example.org/fullchain.pem (failure)"
            } else if line.hasSuffix("(failure)"), let live = line.range(of: "/etc/letsencrypt/live/") {
                add(String(line[live.upperBound...].prefix { $0 != "/" }), line)
            }
        }
        return (lineages, lines)
    }
}
