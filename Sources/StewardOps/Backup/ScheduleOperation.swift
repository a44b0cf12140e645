import Foundation
import StewardCore
import StewardSystem

/// `steward backup schedule APP`: installs a systemd timer and service that back up and verify the app, then prune,
/// on the manifest's `backup.schedule`. The units run this same binary with the manifest that was read, and with
/// the state database and store this request used when they are not the defaults. With `dryRun`, returns the
/// units and commands and installs nothing.
public enum ScheduleOperation: StewardOperation {
    public static let name = "backup.schedule"

    public struct Request: Codable, Sendable {
        public var app: String
        public var dryRun: Bool
        /// Where the units are written (under the host's file root).
        public var unitDirectory: String
        public var manifest: String?
        /// The store the scheduled backups use instead of the app's `backup.store`.
        public var store: String?
        /// The binary the units run; nil: this process's own executable.
        public var steward: String?

        public init(app: String, dryRun: Bool = false, unitDirectory: String = "/etc/systemd/system", manifest: String? = nil,
                    store: String? = nil, steward: String? = nil) {
            self.app = app
            self.dryRun = dryRun
            self.unitDirectory = unitDirectory
            self.manifest = manifest
            self.store = store
            self.steward = steward
        }
    }

    public struct Unit: Codable, Sendable, Equatable {
        public var path: String
        public var text: String
    }

    /// `steward.schedule/1` (docs/json.md).
    public struct Output: OperationOutput {
        public var schema = "steward.schedule/1"
        public var app: String
        public var onCalendar: String
        public var dryRun: Bool
        /// The service then the timer.
        public var units: [Unit]
        /// The commands that enable the timer (run unless `dryRun`).
        public var commands: [String]
        public var exitCode: Int32 { 0 }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        // The unit runs `steward` as root: a request (the agent's, the daemon's) may name only a binary root owns and
        // only root can write, and only an absolute unit directory.
        if let steward = request.steward, let why = untrustedBinary(steward) {
            throw OperationError(.invalidRequest, "steward: \(why)", subject: steward)
        }
        guard request.unitDirectory.hasPrefix("/") else {
            throw OperationError(.invalidRequest, "unitDirectory: expected an absolute path, got \"\(request.unitDirectory.prefix(60))\"")
        }
        let apps = try await AppsOnHost.load(manifest: request.manifest, store: request.store, host: host)
        _ = try apps.instances(TargetName(request.app))
        let name = BackupUnits.name(app: request.app)
        // Non-default locations are carried into the unit, so the timer writes where this request pointed.
        let carry = host.statePath != StateStore.defaultPath || request.store != nil
        let service = BackupUnits.service(app: request.app, steward: request.steward ?? executable(), manifest: apps.loaded.path,
                                          state: carry ? host.statePath : nil, store: request.store)
        let onCalendar = apps.spec(request.app).schedule
        let units = [Unit(path: "\(request.unitDirectory)/\(name).service", text: service),
                     Unit(path: "\(request.unitDirectory)/\(name).timer", text: BackupUnits.timer(app: request.app, onCalendar: onCalendar))]
        let commands = [Systemctl.daemonReload(), Systemctl.enableNow("\(name).timer")]
        let output = Output(app: request.app, onCalendar: onCalendar, dryRun: request.dryRun, units: units, commands: commands.map(\.display))
        if request.dryRun { return output }
        try await host.leased("backup.schedule", subject: request.app, state: apps.state) { () async throws(OperationError) in
            try await install(units, commands, app: request.app, host: host)
        }
        apps.state.event("schedule", subject: request.app, result: "installed", detail: "\(name).timer OnCalendar=\(onCalendar)")
        return output
    }

    /// Writes the units (each renamed into place) and enables the timer.
    static func install(_ units: [Unit], _ commands: [Command], app: String, host: HostContext) async throws(OperationError) {
        do {
            for unit in units {
                let path = host.files.path(unit.path)
                let partial = StoreFiles.partialPath(for: path)
                try Data(unit.text.utf8).write(to: URL(fileURLWithPath: partial))
                chmod(partial, 0o644)
                guard rename(partial, path) == 0 else { throw StoreError("cannot write \(unit.path)") }
                host.say("wrote \(unit.path)")
            }
            for c in commands {
                guard case .success(let r) = await host.runner.run(c, timeout: .seconds(60)), r.exitCode == 0 else { throw StoreError("\(c.description) failed") }
                host.say(c.description)
            }
        } catch {
            throw OperationError(.failed, "\(error)", subject: app)
        }
    }

    /// Why `path` may not be the binary a root unit runs: not absolute, not a regular executable file, or not root's
    /// alone to change. nil when it may.
    static func untrustedBinary(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return "expected an absolute path, got \"\(path.prefix(60))\"" }
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_mode & 0o111 != 0 else {
            return "\(path) is not an executable file"
        }
        guard st.st_uid == 0, st.st_mode & 0o022 == 0 else { return "\(path) must be owned by root and writable by root alone" }
        return nil
    }

    /// This process's binary, as the units must name it (a path, not how it was typed).
    static func executable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/usr/bin/steward"
    }
}
