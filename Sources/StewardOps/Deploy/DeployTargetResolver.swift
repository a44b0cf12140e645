import Foundation
import StewardCore
import StewardSystem

/// Resolves `APP@INSTANCE` into the ``DeployTarget`` deploy, rollback and promote work on: the manifest's deploy
/// section where there is one, else what the unit says (its `WorkingDirectory=`, `User=`, `ExecStart=` venv and env
/// files). Files are read through the host's root, so a fixture tree stands in for a host in tests.
public enum DeployTargetResolver {
    public static func target(_ name: TargetName, in apps: AppsOnHost) throws(OperationError) -> DeployTarget {
        let instance = try apps.instance(name)
        let app = apps.manifest.app(named: instance.app)
        var spec = app?.deploy ?? .defaults
        let unit = apps.facts.units.first { $0.name == instance.unit }
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
            throw OperationError(.invalidConfig, "no directory for \(instance.label): set apps.\(instance.app).directory in the manifest (the unit has no WorkingDirectory=)",
                                 subject: instance.label)
        }
        let codeDirectory = spec.strategy == .releases ? directory + "/current" : directory
        let venv = spec.venv.map(resolve) ?? findVenv(unit: unit, code: codeDirectory, files: apps.host.files)
        // The app's code (pip, migrations, build steps, hooks) runs as deploy.user, else the unit's User=; never as
        // root: with neither, those steps are refused with the fix.
        let user = spec.user ?? unit.flatMap { $0.runsAsRoot ? nil : $0.user }
        let databases = apps.sources(instance).filter(\.kind.isDatabase)
        let checks = apps.checkSpecs(instance)
        var target = DeployTarget(
            app: instance.app, instance: instance.name, spec: spec, production: instance.production, units: [instance.unit],
            directory: directory, venv: venv, user: user, environment: environment(unit: unit, files: apps.host.files), databases: databases,
            store: apps.store(instance.app), checks: { await apps.checkOnce(checks) })
        target.nginxSiteFiles = Array(Set(apps.facts.nginx?.sites.map(\.file) ?? [])).sorted()
        target.extraSecrets = DeployTarget.databaseSecrets(spec: spec, sources: databases)
        return target
    }

    /// The venv the unit runs from (`…/venv/bin/gunicorn` → `…/venv`), else `venv`, `.venv` or `myenv` in the code.
    static func findVenv(unit: UnitFacts?, code: String, files: HostFiles) -> String? {
        if let program = unit?.execStart.first, let bin = program.range(of: "/bin/", options: .backwards) {
            let venv = String(program[..<bin.lowerBound])
            if files.exists(venv + "/pyvenv.cfg") { return venv }
        }
        return ["venv", ".venv", "myenv"].map { code + "/" + $0 }.first { files.exists($0 + "/pyvenv.cfg") }
    }

    /// What the unit's process gets: its env files (in order, later ones winning) and `Environment=`. Each file is
    /// read bounded; one that cannot be read adds nothing (the audit reports it).
    static func environment(unit: UnitFacts?, files: HostFiles) -> [String: String] {
        guard let unit else { return [:] }
        var env: [String: String] = [:]
        for file in unit.environmentFiles {
            guard let text = try? files.read(file.path) else { continue }
            for (key, value) in EnvFileParser.parse(text) { env[key] = value }
        }
        for (key, value) in unit.environment { env[key] = value.revealedForAnalysis }
        return env
    }
}
