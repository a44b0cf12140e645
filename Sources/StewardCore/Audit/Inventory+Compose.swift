/// Compose projects as app instances of the operations (backup, verify, restore): a project has no unit and no
/// instances, so it is one instance named by its app (`pulse`). They stay out of ``Inventory/build(facts:manifest:)``,
/// whose instances are units the audit's unit rules judge; the compose rules judge projects from their facts.
extension Inventory {
    /// The ``Instance/kind`` of a Compose project.
    public static let composeKind = "compose"

    /// One instance per Compose project: the manifest's `kind: compose` apps (named as declared), then every other
    /// project the host's containers carry in their labels (named by the project).
    public static func composeInstances(facts: Facts, manifest: Manifest) -> [Instance] {
        var result: [Instance] = []
        var seen: Set<String> = []
        for app in manifest.apps where app.kind == .compose {
            let project = app.compose?.project ?? ComposeSpec.defaultProject(directory: app.directory ?? "")
            seen.insert(project)
            result.append(instance(app: app.name, directory: app.directory, health: app.health))
        }
        for project in facts.compose ?? [] where !seen.contains(project.project) && manifest.app(named: project.project) == nil {
            seen.insert(project.project)
            result.append(instance(app: project.project, directory: project.workingDir, health: nil))
        }
        return result
    }

    static func instance(app: String, directory: String?, health: String?) -> Instance {
        Instance(app: app, name: "", unit: "", role: .app, production: false, port: nil, portSource: nil, expectedPort: nil,
                 expectedBind: nil, workingDirectory: directory, kind: composeKind, healthPath: health ?? "/health",
                 productionReason: nil, kindEvidence: "Compose project")
    }

    /// The facts of the project a compose instance is: the one the manifest's app names, else the project of its name.
    public static func composeProject(of instance: Instance, facts: Facts, manifest: Manifest) -> ComposeFacts? {
        if let app = manifest.app(named: instance.app), app.kind == .compose {
            let project = app.compose?.project ?? ComposeSpec.defaultProject(directory: app.directory ?? "")
            return facts.compose?.first { $0.project == project }
        }
        return facts.compose?.first { $0.project == instance.app }
    }
}
