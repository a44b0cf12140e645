/// Rules about the language runtime the apps run on.
enum RuntimeRules {
    static let all = [pythonMismatch]

    /// `3.10.12` → `3.10`.
    static func minor(_ version: String) -> String { version.split(separator: ".").prefix(2).joined(separator: ".") }

    static let pythonMismatch: Rule = Rule(
        id: "runtime.python-mismatch", severity: .warning,
        rationale: "A venv built on another Python minor than the system's breaks when the old interpreter is removed or upgraded."
    ) { ctx in
        guard let system = ctx.facts.systemPythonVersion else { return [] }
        var seen = Set<String>()
        return ctx.inventory.apps.compactMap { instance in
            guard let path = instance.workingDirectory, seen.insert(path).inserted,
                  let venv = ctx.facts.appDir(path)?.venv, let version = venv.pythonVersion,
                  minor(version) != minor(system) else { return nil }
            return pythonMismatch.finding(
                subject: venv.path,
                summary: "\(venv.path) uses Python \(version), the system has \(system)",
                evidence: ["pyvenv.cfg: version = \(version)" + (venv.home.map { ", home = \($0)" } ?? ""), "system python3: \(system)"],
                fix: "Rebuild the venv on the system Python: `cd \(path) && mv \(venv.path) \(venv.path).old && python3 -m venv \(venv.path) && \(venv.path)/bin/pip install -r requirements.txt`, restart \(instance.unit), then remove the old one.")
        }
    }
}
