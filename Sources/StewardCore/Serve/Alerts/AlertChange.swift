/// One alert the ledger changed in a way the engine must act on: write its row (`persist`), deliver its notices.
/// Changes that only move counters of a pending streak stay in memory and are not reported.
public struct AlertChange: Sendable, Equatable {
    /// The alert after the step (its id nil until its first write).
    public var record: AlertRecord
    public var effects: [AlertEffect]
    /// It fired on this step: the engine names the deploy it followed before the first write.
    public var fired: Bool

    public init(record: AlertRecord, effects: [AlertEffect], fired: Bool) {
        self.record = record
        self.effects = effects
        self.fired = fired
    }
}
