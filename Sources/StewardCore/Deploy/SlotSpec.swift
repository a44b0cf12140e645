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
    /// How long the old slot keeps running after the drain (0: stopped at once): a rollback within it is only a
    /// switch back, with no start of the previous release.
    public var keepWarmSeconds: Int = 0

    public init(unit: String = "", drainSeconds: Int = 30, keepWarmSeconds: Int = 0) {
        self.unit = unit
        self.drainSeconds = drainSeconds
        self.keepWarmSeconds = keepWarmSeconds
    }

    /// The slot's unit: the template's instance named by the port (`shop-slot@9004.service`).
    public func unitName(port: Int) -> String {
        let base = unit.hasSuffix("@.service") ? String(unit.dropLast(".service".count)) : unit.hasSuffix("@") ? unit : unit + "@"
        return "\(base)\(port).service"
    }
}

/// The transient timer that stops a slot kept warm after a switch (`deploy.slots.keep_warm`): `systemd-run` makes
/// `steward-cooldown-<unit>.timer`, which runs `systemctl stop <unit>` when it elapses. A deploy that starts the slot
/// again, or a rollback that switches back to it, cancels the timer first: it must never stop a slot that serves.
public enum SlotCooldown {
    /// `steward-cooldown-shop-slot-9104` for `shop-slot@9104.service`.
    public static func name(slotUnit: String) -> String {
        let base = slotUnit.hasSuffix(".service") ? String(slotUnit.dropLast(".service".count)) : slotUnit
        return "steward-cooldown-" + base.replacingOccurrences(of: "@", with: "-")
    }

    /// Schedules the stop of `slotUnit` in `seconds`; `systemctl` is its absolute path (a transient service's command).
    public static func schedule(slotUnit: String, after seconds: Int, systemctl: String) -> Command {
        Command("systemd-run", ["--unit=\(name(slotUnit: slotUnit))", "--on-active=\(seconds)s", "--timer-property=AccuracySec=1s",
                                "--timer-property=RemainAfterElapse=no", "--description=Steward: stop \(slotUnit), kept warm after a switch",
                                "--", systemctl, "stop", "--no-block", "--", slotUnit])
    }

    /// Stops the timer (and its service, should it be running): nothing is stopped later.
    public static func cancel(slotUnit: String) -> Command {
        let n = name(slotUnit: slotUnit)
        return Command("systemctl", ["stop", "--", n + ".timer", n + ".service"])
    }
}
