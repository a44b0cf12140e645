/// Decides what to back up for an app instance: the manifest's declarations, else what the host shows.
///
/// Pure: from the inventory, the facts and the manifest. Zero config gives the database the env file names
/// (`DATABASE_URL` as `postgresql://…` or `sqlite:///…`) and a config snapshot of the env and unit files.
public enum BackupPlanner {
    /// The sources of one instance, in a stable order: databases, directories, config.
    public static func sources(for instance: Inventory.Instance, facts: Facts, manifest: Manifest) -> [BackupSource] {
        if instance.kind == Inventory.composeKind { return composeSources(for: instance, facts: facts, manifest: manifest) }
        let app = manifest.app(named: instance.app)
        let spec = app?.backup ?? .defaults
        let resolve: (String) -> String = { app?.resolve($0, instance: instance.name) ?? $0 }
        var result: [BackupSource] = []
        func make(_ name: String, _ kind: BackupSource.Kind) -> BackupSource {
            BackupSource(app: instance.app, instance: instance.name, name: name, kind: kind)
        }
        if instance.partOf != nil && app == nil {
            // Another unit of an app (a worker beside its API): the database is the app's, planned once with its
            // main unit, so one database gives one backup series and one `backup.missing`.
        } else if spec.databases.isEmpty {
            result += discoveredDatabases(instance, facts: facts)
        } else {
            for db in spec.databases {
                var source = make(db.name, .sqlite)
                switch db.engine {
                case .sqlite(let path):
                    source.path = resolve(path)
                case .postgres(let ref):
                    source.kind = .postgres
                    source.url = SecretRef(file: resolve(ref.file), key: ref.key)
                }
                result.append(source)
            }
        }
        for dir in spec.directories {
            var source = make(dir.name, .files)
            source.path = resolve(dir.path)
            source.exclude = dir.exclude
            result.append(source)
        }
        if spec.config, let unit = facts.unit(instance.unit) {
            var source = make("config", .config)
            // An optional env file (`EnvironmentFile=-…`) that does not exist is not an error for systemd, nor here.
            let envFiles = unit.environmentFiles.filter { !$0.optional || facts.envFile($0.path)?.exists == true }.map(\.path)
            source.files = (envFiles + [unit.fragmentPath]).filter { !$0.isEmpty }
            if !source.files.isEmpty { result.append(source) }
        }
        return result
    }

    /// Every app instance with its sources, for `backup.missing` and for `steward backup` without an instance.
    public static func plan(inventory: Inventory, facts: Facts, manifest: Manifest) -> [(Inventory.Instance, [BackupSource])] {
        inventory.apps.map { ($0, sources(for: $0, facts: facts, manifest: manifest)) }
    }

    /// The database named in the instance's env files, first key that holds one.
    public static func discoveredDatabases(_ instance: Inventory.Instance, facts: Facts) -> [BackupSource] {
        guard let unit = facts.unit(instance.unit) else { return [] }
        for ref in unit.environmentFiles {
            guard let file = facts.envFile(ref.path) else { continue }
            for key in Presets.databaseKeys where file.keys.contains(key) {
                let value = file.values[key]?.revealedForAnalysis ?? ""
                var source = BackupSource(app: instance.app, instance: instance.name, name: "db", kind: .postgres)
                if value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") {
                    source.url = SecretRef(file: file.path, key: key)
                    return [source]
                }
                let workingDirectory = unit.workingDirectory.isEmpty ? instance.workingDirectory : unit.workingDirectory
                if let path = SQLiteURL.path(value, workingDirectory: workingDirectory) {
                    source.kind = .sqlite
                    source.path = path
                    return [source]
                }
            }
        }
        return []
    }

    /// A Compose project's sources: each PostgreSQL service dumped inside its container (`db`, or `db-<service>` when
    /// there are several), each other named volume archived from its mountpoint (`volume-<name>`; a database's own
    /// data volume is dumped, never copied under a running server), and the compose files with the `.env`.
    /// Directories the manifest declares are archived too.
    public static func composeSources(for instance: Inventory.Instance, facts: Facts, manifest: Manifest) -> [BackupSource] {
        guard let project = Inventory.composeProject(of: instance, facts: facts, manifest: manifest) else { return [] }
        let spec = manifest.app(named: instance.app)?.backup ?? .defaults
        func make(_ name: String, _ kind: BackupSource.Kind) -> BackupSource {
            BackupSource(app: instance.app, instance: instance.name, name: name, kind: kind)
        }
        var result: [BackupSource] = []
        let databases = Array(Set(project.services.filter(\.isPostgres).map(\.name))).sorted()
        for service in databases {
            var source = make(databases.count == 1 ? "db" : "db-\(service)", .composePostgres)
            (source.project, source.service) = (project.project, service)
            result.append(source)
        }
        let databaseVolumes = Set(project.services.filter(\.isPostgres).flatMap(\.volumes).map(\.name))
        var volumes: [String: ComposeFacts.Volume] = [:]
        for volume in project.services.flatMap(\.volumes) where !databaseVolumes.contains(volume.name) { volumes[volume.name] = volume }
        for (name, volume) in volumes.sorted(by: { $0.key < $1.key }) {
            let short = name.hasPrefix(project.project + "_") ? String(name.dropFirst(project.project.count + 1)) : name
            var source = make("volume-\(short)", .files)
            source.path = volume.mountpoint
            result.append(source)
        }
        for dir in spec.directories {
            var source = make(dir.name, .files)
            source.path = dir.path
            source.exclude = dir.exclude
            result.append(source)
        }
        if spec.config {
            var source = make("config", .config)
            source.files = project.configFiles + (project.env?.exists == true ? [project.env!.path] : [])
            if !source.files.isEmpty { result.append(source) }
        }
        return result
    }
}
