/// The commands that deliver a notice outside HTTP, as argv (never a shell): the host's `sendmail` and a channel's
/// own command. Pure, so the dry-run, the tests and the delivery see the very same argv.
public enum AlertCommands {
    /// `sendmail -t -i < MESSAGE`: recipients from the message's `To:` (none in argv, where `ps` shows them and an
    /// address starting with `-` would be an option), and a line holding a single dot is text, not the end.
    public static func sendmail(_ program: String, message: String) -> Command {
        Command(program, ["-t", "-i"], inputFile: message)
    }

    /// A `command` channel's argv with the notice's JSON on stdin and the event and alert id in its environment
    /// (visible values: no secret goes there), as `user` when given. Nil for an empty argv.
    public static func channel(argv: [String], user: String?, event: AlertNotice.Kind, alertID: Int64, input: String) -> Command? {
        guard let program = argv.first else { return nil }
        let command = Command(program, Array(argv.dropFirst()),
                              environment: ["STEWARD_ALERT_EVENT": event.rawValue, "STEWARD_ALERT_ID": String(alertID)],
                              inputFile: input)
        return user.map { command.asUser($0) } ?? command
    }
}
