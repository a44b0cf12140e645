import Foundation

/// Rules about HTTPS: the certificates nginx serves (expiry, names, issuer), Let's Encrypt renewal, and the
/// redirect from plain HTTP (seed 001 step 11, seed 004).
enum TLSRules {
    static let all = [certExpiry, certNameMismatch, selfSigned, noRenewal, renewalFailed, noHTTPSRedirect]

    /// Readable certificates, one per file (several sites may present the same one), with every site's names.
    static func certificates(_ ctx: AuditContext) -> [CertificateFacts] {
        var byPath: [String: CertificateFacts] = [:]
        var order: [String] = []
        for cert in ctx.facts.tls?.certificates ?? [] where cert.unreadableReason == nil && cert.notAfter != nil {
            if var seen = byPath[cert.path] {
                seen.serverNames += cert.serverNames.filter { !seen.serverNames.contains($0) }
                byPath[cert.path] = seen
            } else {
                byPath[cert.path] = cert
                order.append(cert.path)
            }
        }
        return order.map { byPath[$0]! }
    }

    static let expiryWarningDays = 21
    static let expiryCriticalDays = 7

    static let certExpiry: Rule = Rule(
        id: "tls.cert-expiry", severity: .critical,
        rationale: "An expired certificate takes the site down for every browser; renewal should run weeks before."
    ) { ctx in
        guard let now = ctx.facts.tls?.observedAt else { return [] }
        return certificates(ctx).compactMap { cert in
            guard let notAfter = cert.notAfter else { return nil }
            let seconds = Int(notAfter.timeIntervalSince(now))
            let days = seconds / 86400
            let severity: Severity? = seconds <= expiryCriticalDays * 86400 ? .critical : seconds <= expiryWarningDays * 86400 ? .warning : nil
            guard let severity else { return nil }
            let when = seconds <= 0 ? "expired \(Format.duration(seconds: -seconds)) ago" : "expires in \(Format.duration(seconds: seconds))"
            let letsEncrypt = cert.path.hasPrefix("/etc/letsencrypt/")
            return certExpiry.finding(
                severity, subject: cert.path, summary: "The certificate for \(Format.list(cert.serverNames)) \(when)",
                evidence: ["notAfter \(Timestamp.iso(notAfter)) (\(days) days)", "subject \(cert.subject)",
                           "served by \(cert.site)", "thresholds: warning at \(expiryWarningDays) days, critical at \(expiryCriticalDays)"],
                fix: letsEncrypt
                    ? "`certbot renew --cert-name \(lineage(cert.path) ?? "NAME")`, then `nginx -t && systemctl reload nginx`; see why it did not renew on its own: `journalctl -u certbot.service -n 50`, /var/log/letsencrypt/letsencrypt.log."
                    : "Obtain a new certificate (Let's Encrypt: `certbot --nginx -d \(cert.serverNames.first ?? "example.org")`), install it at \(cert.path), then `nginx -t && systemctl reload nginx`.")
        }
    }

    /// `/etc/letsencrypt/live/NAME/fullchain.pem` → `NAME`.
    static func lineage(_ path: String) -> String? {
        let parts = path.split(separator: "/")
        guard parts.count >= 4, parts[0] == "etc", parts[1] == "letsencrypt", parts[2] == "live" || parts[2] == "archive" else { return nil }
        return String(parts[3])
    }

    static let certNameMismatch: Rule = Rule(
        id: "tls.cert-name-mismatch", severity: .critical,
        rationale: "A certificate that does not name the site's host is refused by every browser, valid or not."
    ) { ctx in
        (ctx.facts.tls?.certificates ?? []).filter { $0.unreadableReason == nil && $0.notAfter != nil }.compactMap { cert in
            let uncovered = cert.serverNames.filter { ProductionInference.isPublic($0) && !$0.contains("*") && !cert.covers($0) }
            guard !uncovered.isEmpty else { return nil }
            return certNameMismatch.finding(
                subject: "\(cert.site): \(cert.path)", summary: "\(cert.path) does not cover \(Format.list(uncovered))",
                evidence: ["server_name \(cert.serverNames.joined(separator: " ")) in \(cert.site)",
                           "certificate names: \(cert.names.isEmpty ? "none" : Format.list(cert.names, max: 8))"],
                fix: "Issue a certificate for every server_name (`certbot --nginx -d \(uncovered.joined(separator: " -d "))`) or point ssl_certificate in \(cert.site) at the one that has them, then `nginx -t && systemctl reload nginx`.")
        }
    }

    static let selfSigned: Rule = Rule(
        id: "tls.self-signed", severity: .warning,
        rationale: "Browsers and API clients reject a self-signed certificate on a public site; users learn to click through warnings."
    ) { ctx in
        certificates(ctx).filter { $0.selfSigned }.compactMap { cert in
            let publicNames = cert.serverNames.filter(ProductionInference.isPublic)
            guard !publicNames.isEmpty else { return nil }
            return selfSigned.finding(
                subject: cert.path, summary: "\(Format.list(publicNames)) is served with a self-signed certificate",
                evidence: ["subject = issuer = \(cert.subject)", "served by \(cert.site)"],
                fix: "Get a certificate from a CA (`certbot --nginx -d \(publicNames.joined(separator: " -d "))`) and point ssl_certificate in \(cert.site) at it, then `nginx -t && systemctl reload nginx`.")
        }
    }

    static let noRenewal: Rule = Rule(
        id: "tls.no-renewal", severity: .warning,
        rationale: "Let's Encrypt certificates last 90 days; without a timer or cron job renewing them, the site goes down on a known date."
    ) { ctx in
        guard let le = ctx.facts.tls?.letsEncrypt, !le.lineages.isEmpty, le.enabledTimers.isEmpty, le.cronEntries.isEmpty else { return [] }
        return [noRenewal.finding(
            subject: "/etc/letsencrypt",
            summary: "Nothing renews the Let's Encrypt certificates \(Format.list(le.lineages))",
            evidence: ["lineages in /etc/letsencrypt/live: \(le.lineages.joined(separator: ", "))",
                       "no enabled certbot.timer (or snap.certbot.renew.timer)", "no cron entry that runs certbot"],
            fix: "`systemctl enable --now certbot.timer` (Debian's certbot package ships it), then `certbot renew --dry-run` to prove renewal works.")]
    }

    static let renewalFailed: Rule = Rule(
        id: "tls.renewal-failed", severity: .warning,
        rationale: "A renewal that failed will fail again on the next run unless someone fixes it; the certificate then expires."
    ) { ctx in
        guard let le = ctx.facts.tls?.letsEncrypt, !le.failedRenewals.isEmpty else { return [] }
        return [renewalFailed.finding(
            subject: "/etc/letsencrypt",
            summary: "certbot's last run failed to renew \(Format.list(le.failedRenewals))",
            evidence: le.failureLines + ["log: /var/log/letsencrypt/letsencrypt.log"],
            fix: "Read the error in /var/log/letsencrypt/letsencrypt.log (often port 80 closed or the webroot moved), fix it, then `certbot renew --cert-name \(le.failedRenewals[0]) --dry-run` and `certbot renew`.")]
    }

    static let noHTTPSRedirect: Rule = Rule(
        id: "tls.no-https-redirect", severity: .warning,
        rationale: "Without a redirect on port 80, visitors who type the name get plain HTTP or nothing, and HSTS never starts."
    ) { ctx in
        guard let sites = ctx.facts.nginx?.sites else { return [] }
        let redirecting = sites.filter { $0.servesPlainHTTP && $0.redirectsToHTTPS }
        return sites.filter(\.servesTLS).compactMap { site in
            let names = site.serverNames.filter(ProductionInference.isPublic)
            guard !names.isEmpty else { return nil }
            let missing = names.filter { name in !redirecting.contains { $0.serverNames.contains(name) || $0.serverNames.contains("_") } }
            guard !missing.isEmpty else { return nil }
            let plain = sites.filter { $0.servesPlainHTTP && !$0.redirectsToHTTPS && $0.serverNames.contains { missing.contains($0) } }
            return noHTTPSRedirect.finding(
                subject: site.file, summary: "\(Format.list(missing)) serves HTTPS without a redirect from HTTP",
                evidence: ["\(site.file): listen \(site.listen.joined(separator: "; listen "))"]
                    + (plain.isEmpty ? ["no server on port 80 for \(missing.joined(separator: " "))"] : plain.map { "\($0.file) serves plain HTTP for it without `return 301 https://…`" }),
                fix: "Add to \(site.file): `server { listen 80; listen [::]:80; server_name \(missing.joined(separator: " ")); return 301 https://$host$request_uri; }`, then `nginx -t && systemctl reload nginx`.")
        }
    }
}
