import Foundation
import StewardCore

/// Gathers the facts of a host with the probes of ``AuditProbe/all``, each started as soon as the probes it needs
/// are done, then applies the rules.
public struct Audit: Sendable {
    public var context: ProbeContext
    public var manifest: Manifest
    /// Steward's state database, for the backup rules; nil leaves the catalog out (and those rules silent).
    public var statePath: String?
    /// The probe table, ``AuditProbe/all``; a property so tests can hand in their own.
    var probes: [AuditProbe] = AuditProbe.all

    public init(context: ProbeContext = ProbeContext(), manifest: Manifest = .empty, statePath: String? = nil) {
        self.context = context
        self.manifest = manifest
        self.statePath = statePath
    }

    /// Only what the inventory and the backup plan need: the units and their env files. No journal, git, sockets
    /// or nginx, so commands that act on apps (backup, verify, prune) do not pay for a whole audit at start-up.
    public func gatherUnitsAndEnvFiles() async throws -> Facts {
        let ctx = context
        var facts = Facts(units: try await SystemdProbe.gather(ctx, extraUnits: manifest.declaredUnits), windowHours: ctx.windowHours)
        // Which blue-green slot serves (the upstream file), so that the serving slot is the instance.
        facts.slots = try? await SlotProbe.gather(ctx, manifest: manifest, statePath: nil)
        let inventory = Inventory.build(facts: facts, manifest: manifest)
        BlockingCall.prepare()
        let (files, unanswered) = await FilesProbe.envFiles(ctx, paths: unique(inventory.instances.compactMap { facts.unit($0.unit) }.flatMap { $0.environmentFiles.map(\.path) }))
        // The env files say which databases an app has: one that did not answer would silently leave its database
        // out of a backup's plan, or a deploy without its pre-deploy backup.
        guard unanswered.isEmpty else { throw ProbeFailure("\(unanswered.joined(separator: ", ")) " + FilesProbe.didNotAnswer(ctx)) }
        facts.envFiles = files
        // Compose projects are apps of their own (backed up inside their containers); none without a running engine.
        do { facts.compose = try await ComposeProbe.gather(ctx, manifest: manifest, logs: false, units: facts.units) } catch is ProbeSkipped {} catch {
            facts.composeProblem = "\(error)"
        }
        return facts
    }

    /// Runs every probe once those it needs are done, each on the facts gathered so far; a probe the manifest
    /// disables is reported `skipped`, a name the manifest disables that no probe has is reported `unknown`.
    /// Reports come in the table's order, whatever finishes first.
    public func gather() async -> (Facts, [ProbeReport]) {
        let ctx = context
        BlockingCall.prepare()
        var facts = Facts(systemPythonVersion: HostProbe.systemPython(ctx.files), windowHours: ctx.windowHours)
        var reports: [String: ProbeReport] = [:]
        var waiting = probes
        var done = Set<String>()
        let input = { (facts: Facts) in AuditProbe.Input(context: ctx, manifest: manifest, statePath: statePath, facts: facts) }
        await withTaskGroup(of: (String, AuditProbe.Apply?, ProbeReport).self) { group in
            func startReady() {
                while let i = waiting.firstIndex(where: { $0.needs.allSatisfy(done.contains) }) {
                    let probe = waiting.remove(at: i)
                    guard manifest.probes.enabled(probe.name) else {
                        reports[probe.name] = ProbeReport(name: probe.name, status: .skipped, reason: "disabled in the manifest")
                        done.insert(probe.name)
                        continue
                    }
                    let given = input(facts)
                    group.addTask { await measure(probe.name) { try await probe.gather(given) } }
                }
            }
            startReady()
            while let (name, apply, report) = await group.next() {
                apply?(&facts)
                reports[name] = report
                done.insert(name)
                startReady()
            }
        }
        let known = Set(probes.map(\.name))
        let unknown = manifest.probes.disabled.subtracting(known).sorted().map { name in
            ProbeReport(name: name, status: .unknown,
                        reason: "probes.disable names no probe \"\(name)\"; the probes are \(probes.map(\.name).joined(separator: ", "))")
        }
        return (facts, probes.compactMap { reports[$0.name] } + unknown)
    }

    /// Gathers, evaluates and packages a report.
    public func run(now: Date = Date()) async -> AuditReport {
        let start = ContinuousClock.now
        let (facts, reports) = await gather()
        let ctx = AuditContext(facts: facts, manifest: manifest)
        let findings = RuleCatalog.evaluate(ctx)
        let elapsed = ContinuousClock.now - start
        let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let stamp = now.formatted(.iso8601)  // the same text as ISO8601DateFormatter's, without building an ICU formatter
        return AuditReport(facts: facts, context: ctx, findings: findings, probes: reports, generatedAt: stamp, durationMs: ms)
    }
}

func unique(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}
