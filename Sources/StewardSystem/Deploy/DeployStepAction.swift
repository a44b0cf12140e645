import StewardCore

/// One step of a deploy as a value: its name, what `--dry-run` says it would do, and what it does. A deploy runs
/// the list ``DeployEngine/steps(_:)`` returns and the dry-run writes the plan of that same list, so the plan
/// cannot show a step that does not run, miss one that does, or show them in another order.
struct DeployStepAction {
    let name: DeployStep
    /// Writes the step's lines of the dry-run. Reads only (the preflight, `git ls-remote`, the requirements' hash).
    let plan: (DeployPlanSheet) async -> Void
    let run: () async throws -> DeployEngine.StepOutcome
}

/// The dry-run's lines as the steps write them: a step's first line is numbered and named (` 4 fetch         …`),
/// the next ones indented under it; ``refuse(_:)`` marks the plan refused.
final class DeployPlanSheet {
    private(set) var lines: [String] = []
    private(set) var refused = false
    /// Why an app-code command could not be shown: there is no app user to run it as.
    private(set) var noAppUser: String?
    private var number = 0
    private var current = DeployStep.preflight
    private var opened = false

    /// Starts the lines of the next step.
    func begin(_ step: DeployStep) {
        number += 1
        current = step
        opened = false
    }

    /// A line of the current step: numbered under its name when it is the first, else indented; a `label` starts
    /// another numbered line under that name (`switch` within `restart`).
    func line(_ text: String, label: String? = nil) {
        guard label != nil || !opened else { return lines.append(String(repeating: " ", count: 17) + text) }
        let n = String(number)
        lines.append(String(repeating: " ", count: 2 - min(2, n.count)) + n + " " + (label ?? current.rawValue).padding(toLength: 14, withPad: " ", startingAt: 0) + text)
        opened = true
    }

    /// A line outside the steps (the plan's header, a refusal).
    func note(_ text: String) { lines.append(text) }

    func refuse() { refused = true }

    /// A command's line, or `REFUSED: why` when it cannot be made (no app user to run app code as).
    func shown(_ make: () throws -> Command) -> String {
        do { return try make().display } catch {
            noAppUser = "\(error)"
            return "REFUSED: \(error)"
        }
    }
}
