import Foundation
import StewardCore
import StewardSystem

/// `steward check`: runs the declared checks and the apps' presets (or a checks file's), concurrently, within a
/// deadline. The report is the result; an empty selection is an error, not a pass.
public enum CheckOperation: StewardOperation {
    public static let name = "check"

    public struct Request: Codable, Sendable {
        /// A standalone checks file instead of the manifest (trusted like a manifest: its commands run as root).
        public var file: String?
        public var manifest: String?
        /// Only the checks of `APP` or `APP@INSTANCE`.
        public var target: String?
        public var parallel: Int
        public var deadlineMs: Int

        public init(file: String? = nil, manifest: String? = nil, target: String? = nil, parallel: Int = 8, deadlineMs: Int = 30_000) {
            self.file = file
            self.manifest = manifest
            self.target = target
            self.parallel = parallel
            self.deadlineMs = deadlineMs
        }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> CheckReport {
        guard (1...256).contains(request.parallel) else {
            throw OperationError(.invalidRequest, "parallel: expected 1 to 256, got \(request.parallel)")
        }
        guard request.deadlineMs > 0 else { throw OperationError(.invalidRequest, "deadline: expected a positive duration") }
        var specs = try await selectedSpecs(request, host: host)
        if let target = TargetName(request.target) {
            specs = specs.filter { $0.app == target.app && (target.instance == nil || $0.instance == target.instance) }
            if specs.isEmpty { throw OperationError(.notFound, "no checks for \(target)", subject: target.description) }
        }
        if specs.isEmpty {
            throw OperationError(.notFound, "no checks: declare some in the manifest (checks: or apps with a kind) or pass -f FILE")
        }
        let runner = CheckRunner(context: host.probeContext(), maxParallel: request.parallel, deadline: .milliseconds(request.deadlineMs))
        return await runner.run(specs)
    }

    /// The checks file's specs, else the manifest's checks and the presets of its apps (what `steward serve`
    /// schedules, too).
    public static func selectedSpecs(_ request: Request, host: HostContext) async throws(OperationError) -> [CheckSpec] {
        if let file = request.file {
            switch CheckFileParser.parse(try ManifestSource.checksFileText(file), file: file) {
            case .success(let specs): return specs
            case .failure(let errors):
                throw OperationError(.invalidConfig, "\(file): \(errors.errors.count) error(s); no check was run", subject: file,
                                     details: errors.errors.map { "\($0)" })
            }
        }
        let manifest = try ManifestSource.load(explicit: request.manifest, host: host).manifest
        let (facts, _) = await Audit(context: host.probeContext(), manifest: manifest).gather()
        let inventory = Inventory.build(facts: facts, manifest: manifest)
        return manifest.checks + Presets.checks(inventory: inventory, facts: facts, manifest: manifest)
    }
}

extension CheckReport: OperationOutput {}

/// `steward check --suggest`: checks generated from the host's current state, as manifest YAML to paste. The health
/// URL is found by asking: the first candidate path that answers 200 now.
public enum CheckSuggestOperation: StewardOperation {
    public static let name = "check.suggest"

    public struct Request: Codable, Sendable {
        public var manifest: String?
        public var parallel: Int
        public init(manifest: String? = nil, parallel: Int = 8) {
            self.manifest = manifest
            self.parallel = parallel
        }
    }

    public struct Output: OperationOutput {
        public var schema = "steward.check-suggest/1"
        public var yaml: String
        public var exitCode: Int32 { 0 }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        let manifest = try ManifestSource.load(explicit: request.manifest, host: host).manifest
        let context = host.probeContext()
        let (facts, _) = await Audit(context: context, manifest: manifest).gather()
        let inventory = Inventory.build(facts: facts, manifest: manifest)
        let probes = CheckSuggestions.healthProbes(inventory: inventory, facts: facts)
        let answers = await CheckRunner(context: context, maxParallel: max(1, request.parallel)).run(probes).results
        var healthPaths: [String: String] = [:]
        for result in answers where result.status == .pass {
            let parts = result.id.split(separator: "|", maxSplits: 1).map(String.init)
            if parts.count == 2, healthPaths[parts[0]] == nil { healthPaths[parts[0]] = parts[1] }
        }
        return Output(yaml: CheckSuggestions.yaml(inventory: inventory, facts: facts, healthPaths: healthPaths))
    }
}
