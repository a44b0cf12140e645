import Foundation
import StewardCore

extension AuditProbe {
    /// Every probe of the audit, in the order of its report.
    ///
    /// The first ones need nothing: host basics, systemd units, host-wide logs, sockets, nginx, the backup catalog.
    /// The others need the units (the inventory is built from them): their logs, env files, app directories (git),
    /// ngrok configs (which also read the env files) and the filesystems that hold the directories (which land in
    /// the host's facts).
    public static let all: [AuditProbe] = [
        AuditProbe("host") { input in
            let host = try HostProbe.gather(input.context)
            return { $0.host = host }
        },
        AuditProbe("filesystems", needs: ["systemd", "host"]) { input in
            guard input.facts.host != nil else { throw ProbeSkipped("no host facts to hold them") }
            let timeout = input.context.commandTimeout
            let (filesystems, unanswered) = try await HostProbe.filesystems(input.context.files, holding: input.appDirectories, timeout: timeout)
            let apply: Apply = { $0.host?.filesystems = filesystems }
            guard unanswered.isEmpty else { throw ProbeIncomplete(reason: HostProbe.unansweredReason(unanswered, timeout: timeout), apply: apply) }
            return apply
        },
        AuditProbe("systemd") { input in
            let units = try await SystemdProbe.gather(input.context, extraUnits: input.manifest.declaredUnits)
            return { $0.units = units }
        },
        AuditProbe("journal.units", needs: ["systemd"]) { input in
            let logs = try await JournalProbe.unitLogs(input.context, units: input.auditedUnits.map(\.name))
            return { $0.unitLogs = logs }
        },
        AuditProbe("journal.host") { input in
            let logs = try await JournalProbe.hostLogs(input.context)
            return { $0.hostLogs = logs }
        },
        AuditProbe("sockets") { input in
            let sockets = try SocketProbe.gather(input.context)
            return { $0.sockets = sockets }
        },
        AuditProbe("envfiles", needs: ["systemd"]) { input in
            let (files, unanswered) = await FilesProbe.envFiles(input.context, paths: input.envFilePaths)
            return try answered(unanswered, input.context) { $0.envFiles = files }
        },
        AuditProbe("appdirs", needs: ["systemd"]) { input in
            let ctx = input.context
            let dirs = input.appDirectories
            let answers = await FilesProbe.appDirs(ctx, paths: dirs)
            let appDirs = answers.compactMap { $0 }
            return try answered(zip(dirs, answers).filter { $0.1 == nil }.map(\.0), ctx) { $0.appDirs = appDirs }
        },
        AuditProbe("nginx") { input in
            let nginx = try await ProxyProbe.nginx(input.context)
            return { $0.nginx = nginx }
        },
        AuditProbe("ngrok", needs: ["systemd", "envfiles"]) { input in
            let ngrok = ProxyProbe.ngrok(input.context, units: input.auditedUnits, envFiles: input.facts.envFiles)
            return { $0.ngrok = ngrok }
        },
        AuditProbe("tls", needs: ["nginx"]) { input in
            let tls = TLSProbe.gather(input.context, nginx: input.facts.nginx)
            let apply: Apply = { $0.tls = tls }
            let unread = tls.certificates.compactMap(\.unreadableReason) + (tls.letsEncrypt?.logUnreadable.map { [$0] } ?? [])
            guard unread.isEmpty else { throw ProbeIncomplete(reason: unread.joined(separator: "; "), apply: apply) }
            return apply
        },
        AuditProbe("datastores", needs: ["systemd", "envfiles", "sockets"]) { input in
            let (stores, unanswered) = await DataStoreProbe.gather(input.context, facts: input.facts, inventory: input.inventory)
            let apply: Apply = { $0.dataStores = stores }
            let unknown = unanswered.map { "\($0) " + FilesProbe.didNotAnswer(input.context) }
                + stores.sqlite.compactMap(\.unreadableReason) + stores.redis.compactMap { $0.unknownReason.map { "redis: \($0)" } }
                + (stores.postgres?.unreadableReason.map { [$0] } ?? [])
            guard unknown.isEmpty else { throw ProbeIncomplete(reason: unknown.joined(separator: "; "), apply: apply) }
            return apply
        },
        AuditProbe("logstorage", needs: ["systemd"]) { input in
            let (logs, unanswered, refused) = await LogStorageProbe.gather(input.context, appDirectories: input.appDirectories)
            return try answered(unanswered, input.context, alsoUnknown: refused) { $0.logStorage = logs }
        },
        AuditProbe("backups") { input in
            guard let statePath = input.statePath.map({ input.context.files.path($0) }) else { throw ProbeSkipped("no state database given") }
            let records = try StateStore.openReadOnly(path: statePath)?.records() ?? []
            let backups = BackupCatalogFacts(database: statePath, observedAt: Date(), records: records)
            return { $0.backups = backups }
        },
        AuditProbe("slots") { input in
            let slots = try await SlotProbe.gather(input.context, manifest: input.manifest, statePath: input.statePath)
            return { $0.slots = slots }
        },
        AuditProbe("compose", needs: ["systemd"]) { input in
            let compose = try await ComposeProbe.gather(input.context, manifest: input.manifest, units: input.facts.units)
            return { $0.compose = compose }
        },
    ]

    /// `apply`, or an incomplete probe that keeps it when some paths (on a mount that stopped answering) did not answer.
    /// `apply`, or — when some paths did not answer in time, or `alsoUnknown` gives other reasons a part could not be
    /// seen — a ``ProbeIncomplete`` that still applies what was found and says why the rest is unknown.
    static func answered(_ unanswered: [String], _ ctx: ProbeContext, alsoUnknown: [String] = [], _ apply: @escaping Apply) throws -> Apply {
        let late = unanswered.isEmpty ? [] : ["\(unanswered.joined(separator: ", ")) " + FilesProbe.didNotAnswer(ctx)]
        let reasons = late + alsoUnknown
        guard reasons.isEmpty else { throw ProbeIncomplete(reason: reasons.joined(separator: "; "), apply: apply) }
        return apply
    }

    /// The names of ``all``, in order.
    public static var names: [String] { all.map(\.name) }
}

extension Manifest {
    /// The units the manifest declares, probed even when systemd does not list them (a template's instances).
    var declaredUnits: [String] {
        apps.flatMap { app in app.unitNames }
    }
}
