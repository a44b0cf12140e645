import Foundation
import Testing
@testable import StewardCore

/// The operate endpoints' rate limit (seed 002: 10 a minute per client), with the time passed in.
@Suite struct TokenBucketTests {
    static let base = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func tenAtOnceThenOneEverySixSeconds() {
        var bucket = TokenBucket(now: Self.base)
        for _ in 0..<10 { #expect(bucket.take(now: Self.base) == .allowed) }
        #expect(bucket.take(now: Self.base) == .limited(retryAfter: 6))
        #expect(bucket.take(now: Self.base + 3) == .limited(retryAfter: 3))
        #expect(bucket.take(now: Self.base + 6) == .allowed)
        #expect(bucket.take(now: Self.base + 6) == .limited(retryAfter: 6))
    }

    @Test func aMinuteIdleFillsItAgainButNoFurther() {
        var bucket = TokenBucket(now: Self.base)
        for _ in 0..<10 { _ = bucket.take(now: Self.base) }
        for _ in 0..<10 { #expect(bucket.take(now: Self.base + 3600) == .allowed) }
        #expect(bucket.take(now: Self.base + 3600) == .limited(retryAfter: 6), "an hour idle does not bank more than ten")
    }

    @Test func capacityAndRateAreSettable() {
        var bucket = TokenBucket(capacity: 2, perMinute: 30, now: Self.base)
        #expect(bucket.take(now: Self.base) == .allowed && bucket.take(now: Self.base) == .allowed)
        #expect(bucket.take(now: Self.base) == .limited(retryAfter: 2))
    }

    @Test func aClockSteppingBackCostsOneIntervalNotTheStep() {
        var bucket = TokenBucket(now: Self.base)
        for _ in 0..<10 { _ = bucket.take(now: Self.base) }
        let earlier = Self.base - 3600
        #expect(bucket.take(now: earlier) == .limited(retryAfter: 6))
        #expect(bucket.take(now: earlier + 6) == .allowed)
    }

    @Test func clientsHaveTheirOwnBuckets() {
        var table = RateLimitTable()
        for _ in 0..<10 { _ = table.take("token:ci", now: Self.base) }
        #expect(table.take("token:ci", now: Self.base) == .limited(retryAfter: 6))
        #expect(table.take("ip:10.0.0.7", now: Self.base) == .allowed)
    }

    @Test func aFloodOfClientIdsStaysWithinTheBound() {
        var table = RateLimitTable(maxClients: 100)
        for index in 0..<10_000 { _ = table.take("ip:\(index)", now: Self.base) }
        #expect(table.count == 100)
    }

    @Test func evictionDropsFullBucketsFirstThenTheNearestToFullAndKeepsALimitedClient() {
        var table = RateLimitTable(maxClients: 3)
        for _ in 0..<10 { _ = table.take("a", now: Self.base) }      // full again at +60
        _ = table.take("b", now: Self.base + 1)                      // full at +7
        _ = table.take("c", now: Self.base + 2)                      // full at +8
        _ = table.take("d", now: Self.base + 3)                      // evicts b
        #expect(table.count == 3)
        #expect(table.take("a", now: Self.base + 3) == .limited(retryAfter: 3), "the exhausted client keeps its bucket")
        #expect(table.take("c", now: Self.base + 3) == .allowed && table.take("d", now: Self.base + 3) == .allowed)
        _ = table.take("e", now: Self.base + 20)                     // c and d are full by now: both go
        #expect(table.count == 2)
    }
}
