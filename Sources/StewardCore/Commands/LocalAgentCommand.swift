/// `steward agent` started by Steward itself on its own host: the daemon runs its periodic audit this way, so that
/// the memory and code an audit touches (every probe, every rule, the facts of the whole host) belong to a child that
/// exits, not to the long-running process (issue 12's RSS budget). The request goes in on standard input, exactly as
/// over SSH (``SSH/agent(_:)``).
public enum LocalAgentCommand {
    /// The running executable, not the file at its path: a package upgrade that replaced `/usr/bin/steward` must not
    /// make a daemon of the old version talk to an agent of the new one.
    public static let executable = "/proc/self/exe"

    public static func agent(request: [UInt8]) -> Command {
        Command(executable, ["agent"]).withInput(request)
    }
}
