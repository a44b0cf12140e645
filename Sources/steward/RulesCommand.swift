import ArgumentParser
import StewardCore

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "List every audit rule with its id, severity and rationale.")

    @Option(name: .shortAndLong, help: "text or json")
    var format: OutputFormat = .text

    struct Entry: Encodable { let id: String; let severity: String; let rationale: String }

    func run() {
        let entries = RuleCatalog.all.map { Entry(id: $0.id, severity: $0.severity.rawValue, rationale: $0.rationale) }
        switch format {
        case .json: print(JSONRenderer.render(entries), terminator: "")
        default:
            let width = entries.map(\.id.count).max() ?? 0
            for e in entries {
                print(e.id.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + e.severity.padding(toLength: 8, withPad: " ", startingAt: 0) + "  " + e.rationale)
            }
        }
    }
}
