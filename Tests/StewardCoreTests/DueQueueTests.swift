import StewardCore
import Testing

/// The scheduler's queue of next starts: earliest first, ties by index, only what is due is taken.
@Suite struct DueQueueTests {
    @Test func takesWhatIsDueEarliestFirstAndKeepsTheRest() {
        var queue = DueQueue()
        #expect(queue.earliest == nil && queue.popDue(atOrBefore: .max).isEmpty)
        for (due, index) in [(500, 0), (100, 1), (300, 2), (100, 3), (900, 4), (0, 5)] { queue.push(dueMs: Int64(due), index: index) }
        #expect(queue.earliest == 0)
        #expect(queue.popDue(atOrBefore: 100).map(\.index) == [5, 1, 3], "earliest first; a tie goes to the lower index")
        #expect(queue.count == 3 && queue.earliest == 300)
        #expect(queue.popDue(atOrBefore: 299).isEmpty, "nothing before its time")
        queue.push(dueMs: 200, index: 1)
        #expect(queue.popDue(atOrBefore: 600).map(\.dueMs) == [200, 300, 500])
        #expect(queue.popDue(atOrBefore: .max).map(\.index) == [4])
        #expect(queue.isEmpty)
    }

    @Test func aThousandRandomDueTimesComeOutSorted() {
        var generator = SystemRandomNumberGenerator()
        var queue = DueQueue()
        let entries = (0..<1000).map { DueQueue.Entry(dueMs: Int64.random(in: 0..<60_000, using: &generator), index: $0) }
        for e in entries { queue.push(dueMs: e.dueMs, index: e.index) }
        var taken: [DueQueue.Entry] = []
        for now in stride(from: Int64(0), through: 60_000, by: 7_000) { taken += queue.popDue(atOrBefore: now) }
        taken += queue.popDue(atOrBefore: .max)
        #expect(taken == entries.sorted())
    }
}
