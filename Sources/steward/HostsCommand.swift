import ArgumentParser
import Foundation
import StewardCore
import StewardOps
import StewardSystem

/// `steward hosts`: the fleet's hosts.
struct HostsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts", abstract: "The fleet's hosts: trust their SSH keys.", subcommands: [HostsTrust.self])
}

/// `steward hosts trust SELECTION [--yes] [--replace]`.
struct HostsTrust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust", abstract: "Show the SSH keys hosts offer, by fingerprint; record them in known_hosts with --yes.",
        discussion: """
            The fleet's connections check host keys strictly: a key enters known_hosts only here. Without --yes \
            nothing is written: compare the fingerprints with the host's own (on its console: \
            ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then run again with --yes. A host whose recorded keys \
            differ is refused (exit 2) unless --replace. The file is the one ssh uses for the host (ssh -G).
            """)

    @Argument(help: ArgumentHelp("all, or host and group names separated by commas.", valueName: "all|NAME,…"))
    var selection: String

    @Flag(help: "Record the keys shown.")
    var yes = false

    @Flag(help: "Replace keys recorded for a host that now offers others.")
    var replace = false

    @Option(help: "The fleet's inventory file (default: hosts: of the manifest).")
    var inventory: String?

    @Option(name: .shortAndLong, help: "Manifest to use (default: ./steward.yml, then /etc/steward/steward.yml).")
    var manifest: String?

    @Option(name: .customLong("ssh-config"), help: "An ssh_config file (ssh -F; default: root's ~/.ssh/config).")
    var sshConfig: String?

    func validate() throws {
        if replace && !yes { throw ValidationError("--replace goes with --yes") }
    }

    func run() async throws {
        let hosts = FleetCLI.selectHosts(selection, inventory: inventory, manifest: manifest, host: HostContext.forProcess())
        FleetCLI.checkSSHConfig(sshConfig)
        let trust = HostTrust(configFile: sshConfig)
        var code: Int32 = 0
        var text = ""
        for h in hosts {
            let o = await trust.review(h, record: yes, replace: replace)
            text += "\(o.host) \(o.address): "
            switch o.state {
            case .unreachable(let why):
                text += "unknown: \(why)\n"
                code = max(code, 3)
                continue
            case .trusted: text += "trusted already\n"
            case .new: text += "new\n"
            case .changed(let recorded):
                text += "CHANGED: the keys recorded in \(o.file ?? "known_hosts") differ\n"
                text += recorded.map { "  recorded: \($0)\n" }.joined()
                if !o.recorded { code = max(code, 2) }
            }
            text += o.fingerprints.map { "  offered:  \($0)\n" }.joined()
            if o.recorded {
                text += "  recorded in \(o.file ?? "known_hosts")\n"
            } else if o.state == .new {
                text += "  not recorded: compare with the host's own fingerprints, then run again with --yes\n"
            } else if case .changed = o.state {
                text += "  refused: if the change is expected, run again with --yes --replace\n"
            }
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        if code != 0 { throw ExitCode(code) }
    }
}
