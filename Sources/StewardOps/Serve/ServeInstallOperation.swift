import Foundation
import StewardCore
import StewardSystem

/// `steward serve --install`: writes `steward.service` (``ServeUnit``), reloads systemd and enables and starts the
/// daemon. The unit runs this binary, which must be root's alone (the check the backup timers use), with the
/// manifest that was read. With `dryRun`, returns the unit and the commands and changes nothing.
public enum ServeInstallOperation: StewardOperation {
    public static let name = "serve.install"

    public struct Request: Codable, Sendable {
        public var dryRun: Bool
        /// Where the unit is written (under the host's file root).
        public var unitDirectory: String
        public var manifest: String?
        /// The binary the unit runs; nil: this process's own executable.
        public var steward: String?

        public init(dryRun: Bool = false, unitDirectory: String = "/etc/systemd/system", manifest: String? = nil, steward: String? = nil) {
            self.dryRun = dryRun
            self.unitDirectory = unitDirectory
            self.manifest = manifest
            self.steward = steward
        }
    }

    /// `steward.serve-install/1`.
    public struct Output: OperationOutput {
        public var schema = "steward.serve-install/1"
        public var dryRun: Bool
        public var unit: ScheduleOperation.Unit
        /// The commands that enable and start the daemon (run unless `dryRun`).
        public var commands: [String]
        public var exitCode: Int32 { 0 }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        let steward = request.steward ?? ScheduleOperation.executable()
        if let why = ScheduleOperation.untrustedBinary(steward) {
            throw OperationError(.invalidRequest, "steward: \(why)",
                                 hint: "install steward as root (install -o root -m 0755 steward /usr/local/bin/) and run that binary",
                                 subject: steward)
        }
        guard request.unitDirectory.hasPrefix("/") else {
            throw OperationError(.invalidRequest, "unitDirectory: expected an absolute path, got \"\(request.unitDirectory.prefix(60))\"")
        }
        // The manifest must load now: a unit whose daemon fails at start helps nobody.
        let loaded = try ManifestSource.load(explicit: request.manifest, host: host)
        let state = host.statePath != StateStore.defaultPath ? host.statePath : nil
        let unit = ScheduleOperation.Unit(path: "\(request.unitDirectory)/\(ServeUnit.name)",
                                          text: ServeUnit.text(steward: steward, manifest: loaded.path, state: state))
        let commands = [Systemctl.daemonReload(), Systemctl.enableNow(ServeUnit.name)]
        let output = Output(dryRun: request.dryRun, unit: unit, commands: commands.map(\.display))
        if request.dryRun { return output }
        try await ScheduleOperation.install([unit], commands, app: "steward", host: host)
        return output
    }
}
