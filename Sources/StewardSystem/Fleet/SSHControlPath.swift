import Crypto
import Foundation
import StewardCore

/// The control socket of a host's master connection, named by Steward rather than by ssh's `%C` (a hash of the
/// host name, port and user ssh resolves from its configuration, which only a start of `ssh` could tell): the
/// SHA-256 of everything that decides where a connection goes (destination, port, ssh_config file, known_hosts
/// file), so two inventories naming different machines alike never share a socket, and Steward can open a session on
/// the socket itself (``SSHMuxSession``).
public enum SSHControlPath {
    /// `DIRECTORY/` and 32 hex digits (a Unix socket path must stay under 108 bytes).
    public static func path(_ c: SSH.Connection) -> String {
        let key = ["steward-ssh/1", c.destination, c.port.map(String.init) ?? "", c.configFile ?? "", c.knownHosts ?? ""].joined(separator: "\n")
        return c.controlDirectory + "/" + SHA256.hash(data: Data(key.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
