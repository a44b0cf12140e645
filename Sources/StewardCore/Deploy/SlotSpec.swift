/// The blue-green strategy's slots (`deploy.slots`): each instance runs as two units of one template, one per
/// loopback port (`instances.X.slots: [9004, 9104]`), and nginx is pointed at the one that serves. The template's
/// instance name is the port (`shop-slot@9004.service`), so the unit binds `127.0.0.1:%i` and runs the release its
/// slot's link names (`<directory>/slots/%i`): a slot is started on a new release while the other keeps serving.
public struct SlotSpec: Sendable, Equatable, Codable {
    /// A template unit, `shop-slot@.service`.
    public var unit: String = ""
    /// How long the old slot may keep connections after the switch (nginx's old workers finishing their requests)
    /// before it is stopped anyway.
    public var drainSeconds: Int = 30

    public init(unit: String = "", drainSeconds: Int = 30) {
        self.unit = unit
        self.drainSeconds = drainSeconds
    }

    /// The slot's unit: the template's instance named by the port (`shop-slot@9004.service`).
    public func unitName(port: Int) -> String {
        let base = unit.hasSuffix("@.service") ? String(unit.dropLast(".service".count)) : unit.hasSuffix("@") ? unit : unit + "@"
        return "\(base)\(port).service"
    }
}
