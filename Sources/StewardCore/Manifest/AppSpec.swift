/// One app of the manifest: its kind, its systemd unit, where its files are, and its instances.
public struct AppSpec: Sendable, Equatable, Codable {
    public var name: String
    public var kind: AppKind
    /// The unit file name as written (`calb-sizingtool@.service`); nil means the default, see ``unitTemplate``.
    public var unit: String?
    /// Checkout directory; may contain `{instance}`.
    public var directory: String?
    /// Environment file; may contain `{instance}`.
    public var envFile: String?
    /// HTTP path that answers when the app is healthy, e.g. `/_stcore/health`.
    public var health: String?
    /// Instances in file order; empty for an app that runs as a single plain unit.
    public var instances: [InstanceSpec]
    /// What to back up and how long to keep it; nil means the defaults (see ``BackupSpec``).
    public var backup: BackupSpec?
    /// How the app is deployed; nil means the defaults (see ``DeploySpec``).
    public var deploy: DeploySpec?
    /// `kind: compose`: the Compose project; nil for other kinds (a compose app without the section uses its defaults).
    public var compose: ComposeSpec?

    public init(name: String, kind: AppKind = .generic, unit: String? = nil, directory: String? = nil,
                envFile: String? = nil, health: String? = nil, instances: [InstanceSpec] = [], backup: BackupSpec? = nil,
                deploy: DeploySpec? = nil, compose: ComposeSpec? = nil) {
        self.name = name
        self.kind = kind
        self.unit = unit
        self.directory = directory
        self.envFile = envFile
        self.health = health
        self.instances = instances
        self.backup = backup
        self.deploy = deploy
        self.compose = compose
    }

    /// The unit file name: ``unit`` when given, else `<name>@.service` for an app with instances and
    /// `<name>.service` for one without.
    public var unitTemplate: String {
        unit ?? (deploy?.strategy == .blueGreen ? deploy?.slots?.unit : nil) ?? (instances.isEmpty ? "\(name).service" : "\(name)@.service")
    }

    /// The unit that runs `instance`: `calb-sizingtool@prod.service` for the template `calb-sizingtool@.service`.
    /// A unit that is not a template (or a nil instance) gives ``unitTemplate`` unchanged.
    public func unitName(forInstance instance: String?) -> String {
        let template = unitTemplate
        guard let instance, let at = template.firstRange(of: "@.") else { return template }
        var name = template
        name.replaceSubrange(at, with: "@\(instance).")
        return name
    }

    /// Every unit of the app: one per instance, or the single unit; for blue-green, each instance's slots.
    public var unitNames: [String] {
        instances.isEmpty ? units(ofInstance: nil) : instances.flatMap { units(ofInstance: $0.name) }
    }

    /// The units that run `instance`: its unit, or for blue-green its slots' units (`shop-slot@9104.service`, …); none
    /// for a compose project.
    public func units(ofInstance instance: String?) -> [String] {
        // A compose project runs as containers, not systemd units.
        if kind == .compose { return [] }
        if deploy?.strategy == .blueGreen, let slots = deploy?.slots {
            return self.instance(named: instance ?? "")?.slots.map { slots.unitName(port: $0) } ?? []
        }
        return [unitName(forInstance: instance)]
    }

    /// `template` with every `{instance}` replaced by `instance`: `/opt/calb/{instance}/app` → `/opt/calb/prod/app`.
    public func resolve(_ template: String, instance: String) -> String {
        template.replacing("{instance}", with: instance)
    }

    /// The instance declared under `name`, if any.
    public func instance(named name: String) -> InstanceSpec? {
        instances.first { $0.name == name }
    }
}
