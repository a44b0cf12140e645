import Foundation

/// The operate endpoints' buckets, one per client (`token:NAME`, or `ip:ADDR` without a token). Pure and a value:
/// the daemon keeps it behind a mutex and passes the time in.
///
/// At most `maxClients` buckets are kept, so a flood of client ids (addresses are cheap, an IPv6 /64 holds 2^64)
/// cannot grow memory. A new client beyond that first drops every full bucket (nothing is lost: a full bucket is
/// a new one), then, if none was full, the one nearest to full. Under such a flood an evicted client may get a fresh
/// allowance early: the bound on memory wins over exactness.
public struct RateLimitTable: Sendable {
    public let capacity: Int
    public let perMinute: Int
    public let maxClients: Int
    private var buckets: [String: TokenBucket] = [:]

    public init(capacity: Int = 10, perMinute: Int = 10, maxClients: Int = 1024) {
        self.capacity = capacity
        self.perMinute = perMinute
        self.maxClients = max(1, maxClients)
    }

    /// How many clients have a bucket.
    public var count: Int { buckets.count }

    public mutating func take(_ client: String, now: Date) -> RateDecision {
        if buckets[client] == nil, buckets.count >= maxClients {
            buckets = buckets.filter { !$0.value.isFull(at: now) }
            if buckets.count >= maxClients, let nearest = buckets.min(by: { $0.value.full < $1.value.full }) {
                buckets[nearest.key] = nil
            }
        }
        var bucket = buckets[client] ?? TokenBucket(capacity: capacity, perMinute: perMinute, now: now)
        let decision = bucket.take(now: now)
        buckets[client] = bucket
        return decision
    }
}
