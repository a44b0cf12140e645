/// Which blue-green instance a slot unit belongs to, and whether it is the one serving: the slot Steward's upstream
/// file names (the slot probe's facts), else the only slot running, else the first. The serving slot is the instance
/// for the audit, the checks and the status; the other slot is part of it, not an app of its own.
enum BlueGreenSlots {
    struct Slot {
        var app: AppSpec
        var instance: InstanceSpec
        var port: Int
        var serving: Bool
    }

    static func instance(of unit: UnitFacts, facts: Facts, manifest: Manifest) -> Slot? {
        guard let portText = unit.instance, let port = Int(portText) else { return nil }
        for app in manifest.apps where app.deploy?.strategy == .blueGreen {
            let slots = app.deploy?.slots ?? SlotSpec()
            guard slots.unit == unit.unitFileName, let instance = app.instances.first(where: { $0.slots.contains(port) }) else { continue }
            return Slot(app: app, instance: instance, port: port, serving: servingPort(app: app, instance: instance, facts: facts) == port)
        }
        return nil
    }

    static func servingPort(app: AppSpec, instance: InstanceSpec, facts: Facts) -> Int? {
        if let known = facts.slots?.first(where: { $0.app == app.name && $0.instance == instance.name }),
           let port = known.upstreamPort, instance.slots.contains(port) {
            return port
        }
        let slots = app.deploy?.slots ?? SlotSpec()
        let running = instance.slots.filter { facts.unit(slots.unitName(port: $0))?.isActive == true }
        return running.count == 1 ? running[0] : (running.first ?? instance.slots.first)
    }
}
