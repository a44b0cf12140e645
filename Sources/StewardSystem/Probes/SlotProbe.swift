import Foundation
import StewardCore

/// The blue-green instances of the manifest as the host has them: Steward's upstream file for each (read under the
/// context's root), whether each slot's unit and its keep_warm timer are active (one `systemctl show`), and the slot
/// of the last deploy that succeeded (from the state database, when given).
enum SlotProbe {
    static func gather(_ ctx: ProbeContext, manifest: Manifest, statePath: String?) async throws -> [SlotFacts] {
        let instances = manifest.apps.flatMap { app in
            app.deploy?.strategy == .blueGreen ? app.instances.filter { !$0.slots.isEmpty }.map { (app, $0) } : []
        }
        guard !instances.isEmpty else { throw ProbeSkipped("no app deploys blue-green") }
        let units = instances.flatMap { app, instance in
            instance.slots.flatMap { port -> [String] in
                let unit = (app.deploy?.slots ?? SlotSpec()).unitName(port: port)
                return [unit, SlotCooldown.name(slotUnit: unit) + ".timer"]
            }
        }
        let states = SlotFacts.activeStates(fromShow: try await ctx.output(Systemctl.show(units: units, properties: ["Id", "ActiveState"])))
        let state = try statePath.flatMap { try StateStore.openReadOnly(path: ctx.files.path($0)) }
        return try instances.map { app, instance in
            let file = SlotUpstream.path(app: app.name, instance: instance.name)
            var port: Int?, problem: String?
            do { port = SlotUpstream.servingPort(in: try ctx.files.read(file, limit: 64 * 1024)) } catch {
                problem = FileManager.default.fileExists(atPath: ctx.files.path(file)) ? "\(error)" : "absent"
            }
            let slots = instance.slots.map { p in
                let unit = (app.deploy?.slots ?? SlotSpec()).unitName(port: p)
                return SlotFacts.Slot(port: p, unit: unit, active: states[unit] ?? false, coolingDown: states[SlotCooldown.name(slotUnit: unit) + ".timer"] ?? false)
            }
            let last = try state?.deploys(app: app.name, instance: instance.name, limit: 50).first { $0.status == .succeeded && $0.slot != nil }
            return SlotFacts(app: app.name, instance: instance.name, upstreamFile: file, upstreamPort: port, upstreamProblem: problem,
                             slots: slots, recordedSlot: last?.slot, recordedDeploy: last?.id)
        }
    }
}
