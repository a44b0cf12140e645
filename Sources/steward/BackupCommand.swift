import ArgumentParser
import Foundation
import StewardCore
import StewardSystem

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up apps' databases, directories and config; verify backups by restoring them; prune; schedule.",
        discussion: """
            `steward backup APP[@INSTANCE]` backs up what the manifest declares under apps.APP.backup, or by default \
            the database the app's env file names (DATABASE_URL: PostgreSQL with pg_dump, SQLite with its online backup \
            API) and a snapshot of its env and unit files. Files go to <store>/APP/INSTANCE/ (0700, files 0600) and enter \
            the catalog in the state database only when complete, with their SHA-256.
            """,
        subcommands: [BackupRun.self, BackupVerify.self, BackupPrune.self, BackupSchedule.self],
        defaultSubcommand: BackupRun.self)
}

struct BackupRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Back up an app instance (the default subcommand).")

    @Argument(help: "APP or APP@INSTANCE; every app when omitted.")
    var target: String?

    @Flag(help: "Verify each new backup by restoring it into a scratch target.")
    var verify = false

    @Option(help: "Why the backup is taken, recorded in the catalog: manual, scheduled, pre-deploy.")
    var reason: String = "manual"

    @Option(help: "Output format: text or json.")
    var format: ListFormat = .text

    @OptionGroup var options: BackupOptions

    func validate() throws {
        guard ["manual", "scheduled", "pre-deploy"].contains(reason) else {
            throw ValidationError("--reason: expected manual, scheduled or pre-deploy, got \"\(reason.prefix(30))\"")
        }
    }

    struct Result: Encodable {
        var source: String
        var backup: BackupRecord?
        var error: String?
        var verification: Verification?
    }

    func run() async throws {
        let ctx = await BackupContext.load(options)
        var results: [Result] = []
        func add(_ result: Result) {
            results.append(result)
            if format == .text { print(Self.text(result)) }
        }
        for instance in ctx.instances(target) {
            let sources = ctx.sources(instance)
            if sources.isEmpty {
                add(Result(source: instance.label, error: "nothing to back up: declare apps.\(instance.app).backup in the manifest (databases, directories)"))
                continue
            }
            let lock: InstanceLock
            do { lock = try InstanceLock(stateDirectory: ctx.service.stateDirectory, instance: instance.label, purpose: "steward backup") } catch {
                add(Result(source: instance.label, error: "\(error)"))
                continue
            }
            for outcome in await ctx.service.backup(sources, store: ctx.store(instance.app), reason: reason) {
                var result = Result(source: outcome.source.label, backup: outcome.record, error: outcome.error)
                if verify, let record = outcome.record {
                    result.verification = await ctx.service.verify(record, source: outcome.source, store: ctx.store(instance.app), quick: ctx.spec(instance.app).quickVerify)
                }
                add(result)
            }
            withExtendedLifetime(lock) {}
        }
        if format == .json { JSONOutput.print(results) }
        if results.contains(where: { $0.error != nil || $0.verification?.passed == false }) { throw ExitCode(2) }
    }

    static func text(_ r: Result) -> String {
        guard let b = r.backup else { return "✗ \(r.source): \(r.error ?? "failed")" }
        var line = "✓ \(b.label)  #\(b.id)  \(Format.bytes(b.sizeBytes))  \(Format.seconds(milliseconds: b.durationMs))  sha256:\(b.sha256.prefix(12))  \(b.contents.summary)\n  \(b.path)"
        if let v = r.verification {
            line += "\n  \(v.passed ? "verified" : "VERIFICATION FAILED") in \(Format.seconds(milliseconds: v.durationMs)): \(v.message)"
        }
        return line
    }
}

struct BackupVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Prove backups by restoring them into a scratch target and comparing row or file counts.")

    @Argument(help: "A backup id (#12 or 12), or with --latest an APP[@INSTANCE].")
    var id: String?

    @Flag(help: "Verify the newest backup of each source (of the app given, or of every app).")
    var latest = false

    @Flag(help: "Use PRAGMA quick_check instead of integrity_check for SQLite (faster on large databases).")
    var quick = false

    @Option(help: "Output format: text or json.")
    var format: ListFormat = .text

    @OptionGroup var options: BackupOptions

    func validate() throws {
        if !latest && id == nil { throw ValidationError("give a backup id, or --latest [APP[@INSTANCE]]") }
        if !latest, let id, Int64(id.drop { $0 == "#" }) == nil { throw ValidationError("ID: expected a backup id like 12, got \"\(id.prefix(30))\"") }
    }

    func run() async throws {
        let ctx = await BackupContext.load(options)
        let all = try ctx.service.state.records()
        var chosen: [BackupRecord] = []
        if latest {
            let parts = id?.split(separator: "@", maxSplits: 1).map(String.init)
            var seen = Set<String>()
            for r in all where parts == nil || (r.app == parts![0] && (parts!.count == 1 || r.instance == parts![1])) {
                if seen.insert(r.label).inserted { chosen.append(r) }
            }
        } else if let id, let n = Int64(id.drop { $0 == "#" }), let r = all.first(where: { $0.id == n }) {
            chosen = [r]
        }
        if chosen.isEmpty { Self.fail(latest ? "no backups to verify\(id.map { " for \($0)" } ?? "")" : "no backup \(id ?? "")") }
        var failed = false
        var out: [[String: String]] = []
        for record in chosen {
            let v = await ctx.service.verify(record, source: ctx.source(of: record), store: ctx.store(record.app), quick: quick || ctx.spec(record.app).quickVerify)
            failed = failed || !v.passed
            if format == .text {
                print("\(v.passed ? "✓" : "✗") #\(record.id) \(record.label)  \(v.passed ? "verified" : "FAILED") in \(Format.seconds(milliseconds: v.durationMs)): \(v.message)")
            }
            out.append(["id": String(record.id), "source": record.label, "passed": String(v.passed), "durationMs": String(v.durationMs), "message": v.message])
        }
        if format == .json { JSONOutput.print(out) }
        if failed { throw ExitCode(2) }
    }
}

struct BackupPrune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Delete backups beyond the manifest's retention (keep: last, daily, weekly).",
        discussion: "Never deletes the newest backup of a source, its newest verified backup, or a backup a running restore uses.")

    @Argument(help: "APP or APP@INSTANCE; every app when omitted.")
    var target: String?

    @Flag(help: "Show what would be deleted and why the rest is kept; delete nothing.")
    var dryRun = false

    @OptionGroup var options: BackupOptions

    func run() async throws {
        let ctx = await BackupContext.load(options)
        let parts = target?.split(separator: "@", maxSplits: 1).map(String.init)
        let records = try ctx.service.state.records().filter { r in
            parts == nil || (r.app == parts![0] && (parts!.count == 1 || r.instance == parts![1]))
        }
        let plans = try ctx.service.prune(records, retention: { ctx.spec($0.app).retention }, dryRun: dryRun)
        var deleted = 0
        for plan in plans {
            for d in plan.decisions {
                if d.keep {
                    print("keep    #\(d.record.id) \(d.record.label) \(Timestamp.iso(d.record.createdAt))  (\(d.reasons.joined(separator: ", ")))")
                } else {
                    deleted += 1
                    print("\(dryRun ? "would delete" : "deleted") #\(d.record.id) \(d.record.label) \(Timestamp.iso(d.record.createdAt))  \(d.record.path)")
                }
            }
        }
        print("\(dryRun ? "would delete" : "deleted") \(deleted) backup(s)")
    }
}

struct BackupSchedule: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Install a systemd timer that backs up and verifies an app on the manifest's schedule.")

    @Argument(help: "The app.")
    var app: String

    @Flag(help: "Print the unit files and commands; install nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Where to write the units.", visibility: .hidden))
    var unitDirectory: String = "/etc/systemd/system"

    @OptionGroup var options: BackupOptions

    func run() async throws {
        let ctx = await BackupContext.load(options)
        _ = ctx.instances(app)
        let steward = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let manifestPath = ManifestLoading.path(explicit: options.manifest)
        let name = BackupUnits.name(app: app)
        var service = BackupUnits.service(app: app, steward: steward, manifest: manifestPath)
        if options.state != StateStore.defaultPath || options.store != nil {
            // Carry non-default locations into the unit, so the timer writes where this command was pointed.
            let extra = [" --state \(Command.quote(options.state))"] + (options.store.map { [" --store \(Command.quote($0))"] } ?? [])
            service = service.replacing("--reason scheduled", with: "--reason scheduled" + extra.joined())
                .replacing("backup prune \(app)", with: "backup prune \(app)" + extra.joined())
        }
        let timer = BackupUnits.timer(app: app, onCalendar: ctx.spec(app).schedule)
        let commands = [Systemctl.daemonReload(), Systemctl.enableNow("\(name).timer")]
        if dryRun {
            print("# \(unitDirectory)/\(name).service\n\(service)\n# \(unitDirectory)/\(name).timer\n\(timer)")
            for c in commands { print(c.display) }
            return
        }
        do {
            for (file, text) in [("\(name).service", service), ("\(name).timer", timer)] {
                let path = "\(unitDirectory)/\(file)"
                let partial = StoreFiles.partialPath(for: path)
                try Data(text.utf8).write(to: URL(fileURLWithPath: partial))
                chmod(partial, 0o644)
                guard rename(partial, path) == 0 else { throw StoreError("cannot write \(path)") }
                print("wrote \(path)")
            }
            let runner = CommandRunner()
            for c in commands {
                guard case .success(let r) = await runner.run(c, timeout: .seconds(60)), r.exitCode == 0 else { throw StoreError("\(c.description) failed") }
                print(c.description)
            }
            ctx.service.state.event("schedule", subject: app, result: "installed", detail: "\(name).timer OnCalendar=\(ctx.spec(app).schedule)")
        } catch {
            Self.fail("\(error)")
        }
    }
}

struct BackupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backups", abstract: "List the backup catalog: id, time, source, size, checksum, duration, verification.")

    @Argument(help: "APP or APP@INSTANCE; every app when omitted.")
    var target: String?

    @Option(help: "Output format: text or json.")
    var format: ListFormat = .text

    @Option(help: "Steward's state database (the backup catalog).")
    var state: String = StateStore.defaultPath

    func run() async throws {
        let parts = target?.split(separator: "@", maxSplits: 1).map(String.init)
        let records: [BackupRecord]
        do {
            records = try StateStore.openReadOnly(path: state)?.records(app: parts?.first, instance: parts?.count == 2 ? parts![1] : nil) ?? []
        } catch {
            Self.fail("cannot read the state database \(state): \(error)")
        }
        if format == .json { JSONOutput.print(records); return }
        if records.isEmpty { print("no backups\(target.map { " of \($0)" } ?? "") in \(state)"); return }
        for r in records {
            print(r.line)
            if let v = r.lastVerification, !v.passed { print("    last verification \(Timestamp.iso(v.at)): \(v.message)") }
        }
    }
}
