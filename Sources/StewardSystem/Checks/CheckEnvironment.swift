import Foundation
import StewardCore

/// What several checks share, gathered once per run (goss caches `Ports()` the same way): the units that service
/// checks name (one `systemctl show`), the socket table, host memory and load.
struct CheckSnapshot: Sendable {
    var units: [String: UnitFacts] = [:]
    var unitsError: String?
    var sockets: [ListeningSocket]?
    var socketsError: String?
    var host: HostFacts?
    var hostError: String?

    /// Whether a kind reads the shared snapshot; the others start without waiting for it.
    static func needsSnapshot(_ kind: CheckSpec.Kind) -> Bool {
        switch kind {
        case .service, .port, .memory, .load: true
        default: false
        }
    }

    static func gather(_ specs: [CheckSpec], _ ctx: ProbeContext) async -> CheckSnapshot {
        var snapshot = CheckSnapshot()
        var seen = Set<String>()
        let units = specs.compactMap { spec -> String? in
            if case .service(let e) = spec.kind { return e.unit.contains(".") ? e.unit : e.unit + ".service" }
            return nil
        }.filter { seen.insert($0).inserted }
        let needsSockets = specs.contains { if case .port = $0.kind { true } else { false } }
        let needsHost = specs.contains { spec in
            switch spec.kind { case .memory, .load: true; default: false }
        }
        async let shown: Result<String, ProbeFailure> = units.isEmpty ? .success("") : ctx.outputResult(Systemctl.show(units: units))
        if needsSockets {
            do { snapshot.sockets = try SocketProbe.gather(ctx) } catch { snapshot.socketsError = String(describing: error) }
        }
        if needsHost {
            do { snapshot.host = try HostProbe.gather(ctx) } catch { snapshot.hostError = String(describing: error) }
        }
        switch await shown {
        case .success(let text):
            for unit in SystemctlShowParser.parse(text) { snapshot.units[unit.name] = unit }
        case .failure(let e):
            snapshot.unitsError = e.description
        }
        return snapshot
    }
}

extension ProbeContext {
    func outputResult(_ command: Command) async -> Result<String, ProbeFailure> {
        do { return .success(try await output(command)) } catch let e as ProbeFailure { return .failure(e) } catch { return .failure(ProbeFailure("\(error)")) }
    }

    /// The value of a secret reference, read from its env file; the error names the file and key, never a value.
    func secret(_ ref: SecretRef) throws -> String {
        let text: String
        do { text = try files.read(ref.file) } catch { throw ProbeFailure("cannot read \(ref.file): \(error)") }
        guard let value = EnvFileParser.parse(text).last(where: { $0.key == ref.key })?.value else {
            throw ProbeFailure("\(ref.file) has no \(ref.key)")
        }
        return value
    }
}
