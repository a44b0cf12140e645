/// What kind of network an address belongs to (IANA's special-purpose registries). Only `public` is reachable
/// by a webhook without `serve.alerts.allow_private`; `metadata` never is.
public enum AddressClass: String, Sendable, Equatable {
    case `public`
    case loopback
    case `private`
    /// Carrier-grade NAT, 100.64.0.0/10: a provider's internal network.
    case cgnat
    case linkLocal = "link-local"
    case unspecified
    case multicast
    /// Not globally reachable: IETF protocol and benchmark ranges, documentation, the future-use 240/4, and all
    /// IPv6 outside 2000::/3.
    case reserved
    /// Cloud instance metadata services: they hand out the host's credentials.
    case metadata
}
