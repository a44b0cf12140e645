/// One blue-green instance as the host has it: what Steward's upstream file tells nginx, which slots run, and which
/// slot the last successful deploy switched to. The slot rules judge these against each other.
public struct SlotFacts: Sendable, Codable, Equatable {
    public struct Slot: Sendable, Codable, Equatable {
        public var port: Int
        public var unit: String
        /// `ActiveState=active`.
        public var active: Bool
        /// Its keep_warm timer (`steward-cooldown-…`) is pending: it runs on purpose, for a while.
        public var coolingDown: Bool

        public init(port: Int, unit: String, active: Bool, coolingDown: Bool) {
            self.port = port
            self.unit = unit
            self.active = active
            self.coolingDown = coolingDown
        }
    }

    public var app: String
    public var instance: String
    public var upstreamFile: String
    /// The port the file names; nil when the file is missing or names no loopback server.
    public var upstreamPort: Int?
    /// Why the file could not be read (`absent`, a refusal); nil when it was.
    public var upstreamProblem: String?
    public var slots: [Slot]
    /// The slot of the last deploy (or rollback) that succeeded, and its id; nil when none is recorded (or the state
    /// database was not given).
    public var recordedSlot: Int?
    public var recordedDeploy: Int64?

    public init(app: String, instance: String, upstreamFile: String, upstreamPort: Int?, upstreamProblem: String?, slots: [Slot],
                recordedSlot: Int? = nil, recordedDeploy: Int64? = nil) {
        self.app = app
        self.instance = instance
        self.upstreamFile = upstreamFile
        self.upstreamPort = upstreamPort
        self.upstreamProblem = upstreamProblem
        self.slots = slots
        self.recordedSlot = recordedSlot
        self.recordedDeploy = recordedDeploy
    }

    public var label: String { instance.isEmpty ? app : "\(app)@\(instance)" }
}

extension SlotFacts {
    /// `systemctl show -p Id,ActiveState -- UNITS…` → whether each unit is active (blocks separated by a blank line;
    /// a unit systemd does not know is `inactive`). Timers count as active while `active` (waiting to elapse).
    public static func activeStates(fromShow text: String) -> [String: Bool] {
        var states: [String: Bool] = [:]
        for block in text.components(separatedBy: "\n\n") {
            var id: String?, active: Bool?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("Id=") { id = String(line.dropFirst(3)) }
                if line.hasPrefix("ActiveState=") { active = line.dropFirst("ActiveState=".count) == "active" }
            }
            if let id, let active { states[id] = active }
        }
        return states
    }
}
