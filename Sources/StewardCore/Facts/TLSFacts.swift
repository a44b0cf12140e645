import Foundation

/// The certificates nginx serves and how Let's Encrypt keeps them renewed: what `tls.*` rules judge.
///
/// Certificates are read from the files `ssl_certificate` names, not fetched over the network: the audit sees what
/// nginx will serve after its next reload, and needs no port to answer.
public struct TLSFacts: Sendable, Codable, Equatable {
    public var certificates: [CertificateFacts]
    /// nil when there is no `/etc/letsencrypt/live` (certificates come from elsewhere).
    public var letsEncrypt: LetsEncryptFacts?
    /// When the files were read: expiry is judged against this instant, so rules stay pure.
    public var observedAt: Date

    public init(certificates: [CertificateFacts] = [], letsEncrypt: LetsEncryptFacts? = nil, observedAt: Date) {
        self.certificates = certificates
        self.letsEncrypt = letsEncrypt
        self.observedAt = observedAt
    }
}

/// One `ssl_certificate` file of an enabled site: its leaf certificate, or why it could not be read.
public struct CertificateFacts: Sendable, Codable, Equatable {
    public var path: String
    /// The site file and its `server_name`s: the names the certificate must cover.
    public var site: String
    public var serverNames: [String]
    public var notAfter: Date?
    /// DNS names of the subjectAltName extension (or the subject's CN when there is none).
    public var names: [String]
    public var selfSigned: Bool
    public var subject: String
    /// Why the certificate is not described (missing, permission denied, not PEM): rules stay silent on it.
    public var unreadableReason: String?

    public init(path: String, site: String, serverNames: [String], notAfter: Date? = nil, names: [String] = [],
                selfSigned: Bool = false, subject: String = "", unreadableReason: String? = nil) {
        self.path = path
        self.site = site
        self.serverNames = serverNames
        self.notAfter = notAfter
        self.names = names
        self.selfSigned = selfSigned
        self.subject = subject
        self.unreadableReason = unreadableReason
    }

    /// Whether `name` is covered by one of the certificate's names (`*.example.org` covers one label).
    public func covers(_ name: String) -> Bool {
        let host = name.lowercased()
        return names.contains { pattern in
            let p = pattern.lowercased()
            if p == host { return true }
            guard p.hasPrefix("*."), let dot = host.firstIndex(of: ".") else { return false }
            return host[dot...] == p.dropFirst() && !host[..<dot].isEmpty
        }
    }
}

/// The Let's Encrypt tree: lineages, and whether anything renews them.
public struct LetsEncryptFacts: Sendable, Codable, Equatable {
    /// Directory names under `/etc/letsencrypt/live` (one per certificate lineage).
    public var lineages: [String]
    /// Enabled systemd timers that renew (`certbot.timer`, `snap.certbot.renew.timer`), from their `*.wants` links.
    public var enabledTimers: [String]
    /// Cron files whose lines run certbot (`/etc/cron.d/certbot`, `/etc/crontab`, root's crontab).
    public var cronEntries: [String]
    /// Lineages the newest certbot log says failed to renew; empty when it says nothing failed.
    public var failedRenewals: [String]
    /// The lines of that log that say so (paths and names, no secrets), a few at most.
    public var failureLines: [String]
    /// Why the certbot log could not be read, when it exists.
    public var logUnreadable: String?

    public init(lineages: [String], enabledTimers: [String] = [], cronEntries: [String] = [], failedRenewals: [String] = [],
                failureLines: [String] = [], logUnreadable: String? = nil) {
        self.lineages = lineages
        self.enabledTimers = enabledTimers
        self.cronEntries = cronEntries
        self.failedRenewals = failedRenewals
        self.failureLines = failureLines
        self.logUnreadable = logUnreadable
    }
}
