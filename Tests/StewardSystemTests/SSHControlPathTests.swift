import StewardCore
@testable import StewardSystem
import Testing

/// The control socket Steward names for a host's master: the same for the same connection, another for anything
/// that could send it elsewhere (destination, port, ssh_config, known_hosts), short enough for a Unix socket.
@Suite struct SSHControlPathTests {
    @Test func oneSocketPerWayToAHost() {
        let base = SSH.Connection(destination: "web1", controlDirectory: "/run/steward/ssh")
        let path = SSHControlPath.path(base)
        #expect(path.hasPrefix("/run/steward/ssh/") && path.count == "/run/steward/ssh/".count + 32 && path.utf8.count < 108)
        #expect(SSHControlPath.path(base) == path)
        var others: [SSH.Connection] = []
        for change in 0..<4 {
            var c = base
            switch change {
            case 0: c.destination = "web2"
            case 1: c.port = 2222
            case 2: c.configFile = "/etc/steward/ssh_config"
            default: c.knownHosts = "/etc/steward/known_hosts"
            }
            others.append(c)
        }
        let paths = others.map(SSHControlPath.path)
        #expect(Set(paths + [path]).count == 5, "\(paths)")
    }
}
