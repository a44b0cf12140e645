import ArgumentParser
import Foundation
import StewardCore
import StewardSystem

/// Resolves `APP@INSTANCE` into a ``DeployTarget``: the manifest's deploy section where there is one, else what
/// the unit says (its `WorkingDirectory=`, `User=`, `ExecStart=` venv and env files).
struct DeployContext {
    let backup: BackupContext
    let instance: Inventory.Instance
    let target: DeployTarget

    var state: StateStore { backup.service.state }

    static func load(_ options: BackupOptions, label: String) async -> DeployContext {
        let ctx = await BackupContext.load(options, full: true)
        let found = ctx.instances(label)
        guard found.count == 1, let instance = found.first else {
            DeployRun.fail("\(label) names \(found.count) instances (\(found.map(\.label).joined(separator: ", "))); name one as APP@INSTANCE")
        }
        let app = ctx.manifest.app(named: instance.app)
        var spec = app?.deploy ?? .defaults
        let unit = ctx.facts.units.first { $0.name == instance.unit }
        let resolve: (String) -> String = { app?.resolve($0, instance: instance.name) ?? $0 }
        spec.migrations.database = spec.migrations.database.map(resolve)
        var directory = app?.directory.map(resolve) ?? unit?.workingDirectory ?? instance.workingDirectory ?? ""
        // releases: the unit runs in <base>/current (or <base>/current/<workdir>).
        if spec.strategy == .releases, app?.directory == nil {
            for suffix in ["/current/" + spec.workdir, "/current"] where !spec.workdir.isEmpty || suffix == "/current" {
                if directory.hasSuffix(suffix) { directory = String(directory.dropLast(suffix.count)); break }
            }
        }
        guard directory.hasPrefix("/") else {
            DeployRun.fail("no directory for \(instance.label): set apps.\(instance.app).directory in the manifest (the unit has no WorkingDirectory=)")
        }
        let codeDirectory = spec.strategy == .releases ? directory + "/current" : directory
        let venv = spec.venv.map(resolve) ?? Self.findVenv(unit: unit, code: codeDirectory)
        // The app's code (pip, migrations, build steps, hooks) runs as deploy.user, else the unit's User=; never as
        // root: with neither, those steps are refused with the fix.
        let user = spec.user ?? unit.flatMap { $0.runsAsRoot ? nil : $0.user }
        let environment = Self.environment(unit: unit)
        let databases = ctx.sources(instance).filter(\.kind.isDatabase)
        let checks = ctx.checkSpecs(instance)
        var target = DeployTarget(
            app: instance.app, instance: instance.name, spec: spec, production: instance.production, units: [instance.unit],
            directory: directory, venv: venv, user: user, environment: environment, databases: databases, store: ctx.store(instance.app),
            checks: { await BackupContext.checkOnce(checks) })
        target.nginxSiteFiles = Array(Set(ctx.facts.nginx?.sites.map(\.file) ?? [])).sorted()
        target.extraSecrets = DeployTarget.databaseSecrets(spec: spec, sources: databases)
        return DeployContext(backup: ctx, instance: instance, target: target)
    }

    /// The venv the unit runs from (`…/venv/bin/gunicorn` → `…/venv`), else `venv`, `.venv` or `myenv` in the code.
    static func findVenv(unit: UnitFacts?, code: String) -> String? {
        let fm = FileManager.default
        if let program = unit?.execStart.first, let bin = program.range(of: "/bin/", options: .backwards) {
            let venv = String(program[..<bin.lowerBound])
            if fm.fileExists(atPath: venv + "/pyvenv.cfg") { return venv }
        }
        return ["venv", ".venv", "myenv"].map { code + "/" + $0 }.first { fm.fileExists(atPath: $0 + "/pyvenv.cfg") }
    }


    /// What the unit's process gets: its env files (in order, later ones winning) and `Environment=`.
    static func environment(unit: UnitFacts?) -> [String: String] {
        guard let unit else { return [:] }
        var env: [String: String] = [:]
        for file in unit.environmentFiles {
            guard let text = try? BoundedFile.text(file.path) else { continue }
            for (key, value) in EnvFileParser.parse(text) { env[key] = value }
        }
        for (key, value) in unit.environment { env[key] = value.revealedForAnalysis }
        return env
    }
}

extension BackupContext {
    /// One run of `specs`: nil when all pass, else what failed.
    static func checkOnce(_ specs: [CheckSpec]) async -> String? {
        let report = await CheckRunner(context: ProbeContext(), maxParallel: 8, deadline: .seconds(20)).run(specs)
        let failed = report.results.filter { $0.status != .pass }
        return failed.isEmpty ? nil : failed.map { "\($0.id): \($0.message)" }.joined(separator: "; ")
    }
}

enum DeployRun {
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("steward: \(message)\n".utf8))
        Foundation.exit(3)
    }

    /// Progress lines go to stdout as they happen.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Prints the dry-run plan of `request` and exits: 0, or 1 when the preflight would refuse it.
    static func plan(_ engine: DeployEngine, _ request: DeployRequest) async throws {
        let plan = await engine.plan(request)
        print("dry run: nothing is changed")
        plan.lines.forEach { print($0) }
        throw ExitCode(plan.refused ? 1 : 0)
    }

    /// Runs a deploy, rollback or recovery and exits with its record's code; a refusal (nothing was changed or
    /// recorded) exits 3 with its message.
    /// A state write that failed (the record is not what happened) makes it exit at least 1, with the error.
    static func conclude(_ engine: DeployEngine? = nil, _ body: () async throws -> DeployRecord) async throws {
        let record: DeployRecord
        do { record = try await body() } catch let refusal as DeployRefusal { fail(refusal.message) }
        var code = exitCode(record)
        if let unrecorded = engine?.stateWriteError {
            FileHandle.standardError.write(Data("steward: \(unrecorded)\n".utf8))
            code = max(code, 1)
        }
        throw ExitCode(code)
    }

    /// 0 succeeded; 1 failed before the switch (nothing changed); 2 rolled back or worse.
    static func exitCode(_ record: DeployRecord) -> Int32 {
        switch record.status {
        case .succeeded, .aborted: 0
        case .failed: 1
        case .rolledBack, .rollbackFailed, .running: 2
        }
    }
}
