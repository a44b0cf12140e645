import Foundation
import StewardCore
import X509

/// The certificates of nginx's enabled sites, read from their files, and the Let's Encrypt tree: lineages, what
/// renews them (timers enabled through `*.wants` links, cron lines) and what certbot's newest log says. Files only:
/// no process, no handshake.
enum TLSProbe {
    static func gather(_ ctx: ProbeContext, nginx: NginxFacts?, now: Date = Date()) -> TLSFacts {
        var certificates: [CertificateFacts] = []
        for site in nginx?.sites ?? [] {
            for path in site.sslCertificates {
                certificates.append(certificate(ctx.files, path: path, site: site))
            }
        }
        return TLSFacts(certificates: certificates, letsEncrypt: letsEncrypt(ctx.files), observedAt: now)
    }

    static func certificate(_ f: HostFiles, path: String, site: NginxSite) -> CertificateFacts {
        var facts = CertificateFacts(path: path, site: site.file, serverNames: site.serverNames)
        guard !path.contains("$") else {
            facts.unreadableReason = "the path names an nginx variable"
            return facts
        }
        let full = path.hasPrefix("/") ? path : "/etc/nginx/" + path
        do {
            let pem = try f.read(full, limit: 1 << 20)
            let described = TLSInspector.describe(try Certificate(pemEncoded: TLSInspector.firstPEMBlock(pem)), chainError: nil)
            facts.notAfter = described.notAfter
            facts.names = described.names
            facts.selfSigned = described.selfSigned
            facts.subject = described.subject
        } catch let error as FileError {
            facts.unreadableReason = error.description
        } catch {
            facts.unreadableReason = "\(full): not a PEM certificate"
        }
        return facts
    }

    static let renewalTimers = ["certbot.timer", "snap.certbot.renew.timer", "certbot-renew.timer"]

    static func letsEncrypt(_ f: HostFiles) -> LetsEncryptFacts? {
        let live = "/etc/letsencrypt/live"
        guard f.info(live).isDirectory else { return nil }
        let lineages = f.list(live).filter { f.info("\(live)/\($0)").isDirectory }
        let systemDir = "/etc/systemd/system"
        var timers: [String] = []
        for wants in f.list(systemDir) where wants.hasSuffix(".wants") {
            for timer in renewalTimers where f.list("\(systemDir)/\(wants)").contains(timer) && !timers.contains(timer) {
                timers.append(timer)
            }
        }
        var cron: [String] = []
        let cronFiles = ["/etc/crontab"] + f.list("/etc/cron.d").map { "/etc/cron.d/\($0)" }
            + ["daily", "weekly", "hourly"].flatMap { p in f.list("/etc/cron.\(p)").map { "/etc/cron.\(p)/\($0)" } }
            + ["/var/spool/cron/crontabs/root"]
        for file in cronFiles {
            guard let text = f.readIfPresent(file) else { continue }
            let runs = text.split(separator: "\n").contains { line in
                let l = line.trimmingCharacters(in: .whitespaces)
                return !l.hasPrefix("#") && (l.contains("certbot") || l.contains("letsencrypt renew") || l.contains("acme.sh"))
            }
            if runs { cron.append(file) }
        }
        var facts = LetsEncryptFacts(lineages: lineages, enabledTimers: timers, cronEntries: cron)
        let log = "/var/log/letsencrypt/letsencrypt.log"
        do {
            let (failed, lines) = CertbotLog.failures(try f.read(log, limit: 16 << 20))
            facts.failedRenewals = failed
            facts.failureLines = lines.map(Redactor.scrub)
        } catch FileError.missing {
        } catch {
            facts.logUnreadable = String(describing: error)
        }
        return facts
    }
}
