import Foundation
import StewardCore
import StewardSystem

/// Resolves `APP@INSTANCE` into the ``DeployTarget`` deploy, rollback and promote work on: the manifest's deploy
/// section where there is one, else what the unit says (its `WorkingDirectory=`, `User=`, `ExecStart=` venv and env
/// files). Files are read through the host's root, so a fixture tree stands in for a host in tests.
public enum DeployTargetResolver {
    public static func target(_ name: TargetName, in apps: AppsOnHost) throws(OperationError) -> DeployTarget {
        let instance = try apps.instance(name)
        if instance.kind == Inventory.composeKind { return try composeTarget(instance, in: apps) }
        let app = apps.manifest.app(named: instance.app)
        var spec = app?.deploy ?? .defaults
        // blue-green: the instance runs as the slot units of deploy.slots.unit, one per port.
        let slotPorts = spec.strategy == .blueGreen ? app?.instances.first { $0.name == instance.name }?.slots ?? [] : []
        let slotUnits = slotPorts.map { (spec.slots ?? SlotSpec()).unitName(port: $0) }
        let unitNames = slotUnits.isEmpty ? [instance.unit] : slotUnits
        let unit = unitNames.lazy.compactMap { name in apps.facts.units.first { $0.name == name } }.first
        let resolve: (String) -> String = { app?.resolve($0, instance: instance.name) ?? $0 }
        spec.migrations.database = spec.migrations.database.map(resolve)
        var directory = app?.directory.map(resolve) ?? unit?.workingDirectory ?? instance.workingDirectory ?? ""
        // releases: the unit runs in <base>/current (or <base>/current/<workdir>).
        if spec.strategy.usesReleases, app?.directory == nil {
            let linkName = spec.strategy == .blueGreen ? slotPorts.map { "/slots/\($0)" } : ["/current"]
            let suffixes = linkName.flatMap { spec.workdir.isEmpty ? [$0] : [$0 + "/" + spec.workdir, $0] }
            for suffix in suffixes {
                if directory.hasSuffix(suffix) { directory = String(directory.dropLast(suffix.count)); break }
            }
        }
        guard directory.hasPrefix("/") else {
            throw OperationError(.invalidConfig, "no directory for \(instance.label): set apps.\(instance.app).directory in the manifest (the unit has no WorkingDirectory=)",
                                 subject: instance.label)
        }
        let codeDirectory = spec.strategy.usesReleases ? directory + "/current" : directory
        let venv = spec.venv.map(resolve) ?? findVenv(unit: unit, code: codeDirectory, files: apps.host.files)
        // The app's code (pip, migrations, build steps, hooks) runs as deploy.user, else the unit's User=; never as
        // root: with neither, those steps are refused with the fix.
        let user = spec.user ?? unit.flatMap { $0.runsAsRoot ? nil : $0.user }
        let databases = apps.sources(instance).filter(\.kind.isDatabase)
        let checks = apps.checkSpecs(instance)
        var target = DeployTarget(
            app: instance.app, instance: instance.name, spec: spec, production: instance.production, units: unitNames,
            directory: directory, venv: venv, user: user, environment: environment(unit: unit, files: apps.host.files), databases: databases,
            store: apps.store(instance.app), checks: { await apps.checkOnce(checks) })
        target.nginxSiteFiles = Array(Set(apps.facts.nginx?.sites.map(\.file) ?? [])).sorted()
        target.extraSecrets = DeployTarget.databaseSecrets(spec: spec, sources: databases)
        target.slotPorts = slotPorts
        let label = instance.label
        if let health = app?.health {
            target.slotCheck = { port in
                await apps.checkOnce([CheckSpec(id: "http:\(label)/slot-\(port)\(health)", app: instance.app, instance: instance.name,
                                                kind: .http(HTTPExpectation(url: "http://127.0.0.1:\(port)\(health)", maxLatencyMs: 2000)))])
            }
        } else {
            target.slotCheck = { _ in "apps.\(instance.app).health is not set: blue-green checks a slot on its own port at that path" }
        }
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

    /// A Compose project deployed in place: its checkout is its directory, run by the directory's owner; its databases
    /// are its PostgreSQL services; its health is the compose presets (each service's container running and healthy,
    /// its ports, the health URL) and the manifest's checks.
    static func composeTarget(_ instance: Inventory.Instance, in apps: AppsOnHost) throws(OperationError) -> DeployTarget {
        guard let project = apps.composeProject(instance) else {
            throw OperationError(.unavailable, apps.facts.composeProblem.map { "the Compose project \(instance.label) could not be read: \($0)" }
                                 ?? "no container of the Compose project \(instance.label) was found (is Docker running, and was the project brought up once?)", subject: instance.label)
        }
        let app = apps.manifest.app(named: instance.app)
        // Found by its containers' labels alone, a project's directory and files are what any user of the engine
        // labelled them: only the manifest says which project a deploy may build and run.
        guard app?.kind == .compose else {
            throw OperationError(.invalidConfig, "\(instance.label) is a Compose project found by its containers' labels: declare it in the manifest (apps.\(instance.app): kind: compose, directory, compose.project) to deploy it", subject: instance.label)
        }
        var spec = app?.deploy ?? .defaults
        guard spec.strategy == .inPlace else {
            throw OperationError(.invalidConfig, "apps.\(instance.app).deploy.strategy: a Compose project is deployed in place (git checkout, build, up -d), not \(spec.strategy.rawValue)", subject: instance.label)
        }
        spec.migrations.database = nil
        let directory = project.workingDir
        var st = stat()
        let owner = stat(apps.host.files.path(directory), &st) == 0 ? getpwuid(st.st_uid).map { String(cString: $0.pointee.pw_name) } : nil
        let sources = apps.sources(instance)
        let databases = sources.filter(\.kind.isDatabase)
        var environment: [String: String] = [:]
        for (key, value) in project.env?.values ?? [:] { environment[key] = value.revealedForAnalysis }
        let checks = apps.checkSpecs(instance)
        var target = DeployTarget(
            app: instance.app, instance: instance.name, spec: spec, production: true, units: [], directory: directory, venv: nil,
            user: owner, environment: environment, databases: databases, store: apps.store(instance.app), checks: { await apps.checkOnce(checks) })
        let built = project.built ?? []
        var images: [ComposeImage] = []
        for service in project.services where built.contains(service.name) && !images.contains(where: { $0.service == service.name }) && !service.imageID.isEmpty {
            images.append(ComposeImage(service: service.name, reference: service.image, id: service.imageID))
        }
        let envFile = app?.compose?.envFile ?? ".env"
        target.compose = ComposeDeploy(
            cli: ComposeCLI(cli: project.cli, project: project.project, files: project.configFiles, directory: directory,
                            envFile: envFile == ".env" ? nil : directory + "/" + envFile), images: images,
            database: databases.first { $0.kind == .composePostgres }, envFile: envFile)
        return target
    }
}
