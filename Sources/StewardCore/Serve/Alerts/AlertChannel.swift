/// Where alert notices go (the manifest's `serve.alerts.channels`): each channel has a name rules refer to and one
/// kind. Secrets (a webhook's signing key, a Slack URL, which is itself a credential, an ntfy token) are references
/// into root-only env files, read when a notice is sent and never kept, logged or answered.
public struct AlertChannel: Sendable, Equatable, Codable {
    public var name: String
    public var kind: Kind

    public enum Kind: Sendable, Equatable, Codable {
        /// POST of the notice as JSON; signed (`X-Steward-Signature: t=UNIX,v1=HEX`, HMAC-SHA256) when `secret` is set.
        case webhook(url: String, secret: SecretRef?)
        /// A Slack-compatible incoming webhook (`{"text": …}`); the URL is the secret.
        case slack(url: SecretRef)
        /// POST of the text to an ntfy topic URL, with `Title`, `Priority` and `Tags`; `Authorization: Bearer` when set.
        case ntfy(url: String, token: SecretRef?)
        /// An email through the host's `sendmail -t -i` (msmtp-mta, postfix).
        case email(to: [String], from: String?)
        /// An argv (never a shell) that gets the notice as JSON on stdin; as `user` when given, else root (the
        /// manifest is root's, like a `command:` check).
        case command(argv: [String], user: String?)
    }

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}
