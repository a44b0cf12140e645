import Foundation
import StewardCore

/// One probe of the audit as a row of a table (node_exporter's collectors): the name that reports and the
/// manifest's `probes: {disable: [...]}` use, the probes whose facts it reads, and how it gathers its own.
///
/// The audit starts every probe as soon as those it needs are done (``Audit/gather()``); a probe that failed or was
/// disabled counts as done, and those that need it work with what is there, as they did with a failed one.
public struct AuditProbe: Sendable {
    /// Puts a probe's facts in their place in ``Facts``.
    public typealias Apply = @Sendable (inout Facts) -> Void

    /// What a probe is given: the context, the manifest, the state database, and the facts of the probes it needs.
    public struct Input: Sendable {
        public var context: ProbeContext
        public var manifest: Manifest
        public var statePath: String?
        public var facts: Facts

        /// The units of the inventory's instances: whose logs, env files and directories are probed.
        var auditedUnits: [UnitFacts] {
            Inventory.build(facts: facts, manifest: manifest).instances.compactMap { facts.unit($0.unit) }
        }

        var inventory: Inventory { Inventory.build(facts: facts, manifest: manifest) }

        /// The working directories of the inventory's instances, each once.
        var appDirectories: [String] {
            unique(Inventory.build(facts: facts, manifest: manifest).instances.compactMap(\.workingDirectory))
        }

        /// The env files of the audited units, each once.
        var envFilePaths: [String] {
            unique(auditedUnits.flatMap { $0.environmentFiles.map(\.path) })
        }
    }

    public let name: String
    /// The probes whose facts this one reads.
    public let needs: [String]
    let gather: @Sendable (Input) async throws -> Apply

    init(_ name: String, needs: [String] = [], gather: @escaping @Sendable (Input) async throws -> Apply) {
        self.name = name
        self.needs = needs
        self.gather = gather
    }
}

/// Thrown by a probe that gathered part of its facts: they are kept, and the report says what is missing (a
/// filesystem whose `statvfs` did not answer must not take `/` with it).
struct ProbeIncomplete: Error {
    var reason: String
    var apply: AuditProbe.Apply
}
