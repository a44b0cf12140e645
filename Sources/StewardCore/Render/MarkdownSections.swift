import Foundation

/// The runbook's sections for what issue 16's rules judge: TLS, data stores, logs on disk, unit hardening. Each
/// lists the facts an operator would otherwise gather by hand, then the findings of its rules, so a problem is read
/// next to its context (all findings, with fixes, are in "Findings and fixes" too).
extension MarkdownRenderer {
    /// One line per finding whose rule id starts with one of `prefixes`.
    static func sectionFindings(_ md: inout Markdown, _ findings: [Finding], prefixes: [String]) {
        for f in findings where prefixes.contains(where: { f.rule.hasPrefix($0) }) {
            md.bullet("**\(f.severity.rawValue.uppercased())** `\(f.rule)` — \(f.subject): \(f.summary)")
        }
    }

    static func tlsSection(_ md: inout Markdown, _ report: AuditReport) {
        let facts = report.facts
        guard let tls = facts.tls else {
            md.line(facts.nginx == nil ? "No nginx sites: no certificates to check." : "Certificates not probed.")
            md.line()
            return
        }
        var seen = Set<String>()
        for cert in tls.certificates where seen.insert(cert.path).inserted {
            if let reason = cert.unreadableReason {
                md.bullet("`\(cert.path)` (\(cert.site)): not read (\(reason))")
            } else if let notAfter = cert.notAfter {
                let days = Int(notAfter.timeIntervalSince(tls.observedAt) / 86400)
                md.bullet("`\(cert.path)` (\(cert.site), server_name \(cert.serverNames.joined(separator: " "))): expires \(Timestamp.iso(notAfter)) (\(days) days); names \(cert.names.joined(separator: ", "))\(cert.selfSigned ? "; self-signed" : "")")
            }
        }
        if tls.certificates.isEmpty { md.bullet("No site presents a certificate (`ssl_certificate`).") }
        if let le = tls.letsEncrypt {
            let renewal = le.enabledTimers + le.cronEntries
            md.bullet("Let's Encrypt: \(le.lineages.isEmpty ? "no lineage" : le.lineages.map { "`\($0)`" }.joined(separator: ", ")); renewed by \(renewal.isEmpty ? "nothing" : renewal.map { "`\($0)`" }.joined(separator: ", ")); last run: \(le.failedRenewals.isEmpty ? "no failure logged" : "failed for \(le.failedRenewals.joined(separator: ", "))")")
        }
        for site in facts.nginx?.sites ?? [] where site.servesTLS {
            let names = site.serverNames.filter(ProductionInference.isPublic)
            guard !names.isEmpty else { continue }
            let redirected = (facts.nginx?.sites ?? []).contains { $0.servesPlainHTTP && $0.redirectsToHTTPS && ($0.serverNames.contains { names.contains($0) } || $0.serverNames.contains("_")) }
            md.bullet("HTTPS site \(names.joined(separator: " ")) (`\(site.file)`): \(redirected ? "port 80 redirects to HTTPS" : "no redirect from port 80")")
        }
        sectionFindings(&md, report.activeFindings, prefixes: ["tls."])
        md.bullet("Check by hand: `openssl x509 -in CERT -noout -enddate -subject -ext subjectAltName`; renewal: `certbot renew --dry-run`, `systemctl list-timers certbot.timer`")
        md.line()
    }

    static func dataStoreSection(_ md: inout Markdown, _ report: AuditReport) {
        guard let stores = report.facts.dataStores else {
            md.line("Data stores not probed.")
            sectionFindings(&md, report.activeFindings, prefixes: ["db."])  // db.postgres-public-bind reads the sockets
            md.line()
            return
        }
        for db in stores.sqlite {
            let state = db.unreadableReason.map { "not read (\($0))" }
                ?? (!db.exists ? "missing" : "\(Format.bytes(db.sizeBytes))" + (db.walBytes.map { ", -wal \(Format.bytes($0))" } ?? "")
                    + (db.walMode.map { $0 ? ", WAL mode" : ", rollback journal (not WAL)" } ?? ""))
            md.bullet("SQLite `\(db.path)` (used by \(db.usedBy.joined(separator: ", "))): \(state)")
        }
        for redis in stores.redis {
            let auth = redis.answersWithoutPassword.map { $0 ? "answers without a password" : "requires a password" } ?? "password unknown (\(redis.unknownReason ?? "?"))"
            md.bullet("Redis on \(redis.endpoints.map { "`\($0)`" }.joined(separator: ", ")): \(auth)" + (redis.usedBy.isEmpty ? "" : "; used by \(redis.usedBy.joined(separator: ", "))"))
        }
        if let pg = stores.postgres {
            md.bullet("PostgreSQL access: \(pg.hbaFiles.map { "`\($0)`" }.joined(separator: ", ")); \(pg.trustLines.count) TCP line(s) with `trust`")
        }
        if stores.sqlite.isEmpty && stores.redis.isEmpty && stores.postgres == nil { md.bullet("No SQLite file, Redis or PostgreSQL configuration found.") }
        sectionFindings(&md, report.activeFindings, prefixes: ["db."])
        md.line()
    }

    /// Log files on disk and the journal's size, under the journal counts of "Logs".
    static func logStorageLines(_ md: inout Markdown, _ report: AuditReport) {
        guard let storage = report.facts.logStorage else { return }
        for log in storage.appLogs {
            md.bullet("Log file `\(log.path)`: \(Format.bytes(log.sizeBytes)), \(log.rotatedBy.map { "rotated by `\($0)`" } ?? "not rotated")")
        }
        if let j = storage.journal {
            md.bullet("Journal `\(j.directory)`: \(Format.bytes(j.bytes)) (\(Format.percent(j.percent)) of its filesystem); SystemMaxUse=\(j.systemMaxUse ?? "unset")")
        }
        sectionFindings(&md, report.activeFindings, prefixes: ["logs.unrotated", "logs.journal"])
    }
}
