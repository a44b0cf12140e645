import ArgumentParser
import StewardCore
import StewardSystem

/// The names the manifest's `probes: {disable: [...]}` takes, from the audit's own table.
struct ProbesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probes", abstract: "List the audit's fact probes by name, with the probes each one needs.")

    @Option(name: .shortAndLong, help: "text or json")
    var format: OutputFormat = .text

    struct Entry: Encodable { let name: String; let needs: [String] }

    func run() {
        let entries = AuditProbe.all.map { Entry(name: $0.name, needs: $0.needs) }
        switch format {
        case .json: print(JSONRenderer.render(entries), terminator: "")
        default:
            let width = entries.map(\.name.count).max() ?? 0
            for e in entries {
                print(e.needs.isEmpty ? e.name : e.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  needs " + e.needs.joined(separator: ", "))
            }
        }
    }
}
