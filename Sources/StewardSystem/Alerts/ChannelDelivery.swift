import Foundation
import StewardCore

/// Delivers one notice through one channel: the I/O of alerting. The queue (retries, the delivery log) calls it; it
/// never throws: whatever goes wrong is a ``DeliveryOutcome`` that says what, without any secret.
///
/// Channel secrets (a webhook's signing key, a Slack URL, an ntfy token) are read from their env files at each
/// delivery, so a rotated secret is used at once and none is kept in memory between notices.
public struct ChannelDelivery: Sendable {
    let runner: any CommandRunning
    let files: HostFiles
    let allowPrivate: [String]
    let sendmail: String
    let outbox: AlertOutbox
    let timeout: Duration

    /// - Parameters:
    ///   - allowPrivate: `serve.alerts.allow_private`, host names whose non-public addresses may be reached.
    ///   - outbox: the root-only directory where an email or a command's input waits for its program.
    ///   - timeout: for the whole HTTP exchange, and for `sendmail` or the command to finish.
    public init(runner: any CommandRunning, files: HostFiles, allowPrivate: [String], sendmail: String = "/usr/sbin/sendmail",
                outbox: String = "/run/steward/outbox", timeout: Duration = .seconds(10)) {
        self.runner = runner
        self.files = files
        self.allowPrivate = allowPrivate
        self.sendmail = sendmail
        self.outbox = AlertOutbox(directory: outbox)
        self.timeout = timeout
    }

    public func deliver(_ message: AlertMessage, via channel: AlertChannel) async -> DeliveryOutcome {
        var secrets: [String] = []
        let outcome = await send(message, channel.kind, reading: &secrets)
        return outcome.hiding(secrets)
    }

    /// The outcome before it is scrubbed: every secret read on the way is added to `secrets`.
    private func send(_ message: AlertMessage, _ kind: AlertChannel.Kind, reading secrets: inout [String]) async -> DeliveryOutcome {
        let post = GuardedPost(allowPrivate: allowPrivate, timeout: timeout)
        switch kind {
        case .webhook(let url, let secretRef):
            let body = AlertWebhookBody.render(message)
            var headers: [(name: String, value: String)] = [
                ("Content-Type", "application/json"), ("X-Steward-Event", message.event.rawValue),
                ("X-Steward-Delivery", UUID().uuidString.lowercased()),
            ]
            if let secretRef {
                let secret: Secret
                do { secret = try read(secretRef, into: &secrets) } catch { return .failed(error.detail) }
                headers.append(("X-Steward-Signature", WebhookSignature.header(body: body, secret: secret, at: Date())))
            }
            return await post.send(to: url, headers: headers, body: body)
        case .slack(let urlRef):
            let url: String
            do { url = try read(urlRef, into: &secrets).revealedForAnalysis } catch { return .failed(error.detail) }
            // The URL is the credential: neither it nor its path (which a receiver's error page may echo) is shown.
            secrets += (URL(string: url).map { [$0.path, $0.query ?? ""] } ?? []).filter { $0.count > 1 }
            return await post.send(to: url, headers: [("Content-Type", "application/json")], body: AlertSlackBody.render(message))
        case .ntfy(let url, let tokenRef):
            var headers: [(name: String, value: String)] = [("Content-Type", "text/plain; charset=utf-8")]
            headers += AlertNtfyHeaders.render(message)
            if let tokenRef {
                let token: Secret
                do { token = try read(tokenRef, into: &secrets) } catch { return .failed(error.detail) }
                headers.append(("Authorization", "Bearer " + token.revealedForAnalysis))
            }
            return await post.send(to: url, headers: headers, body: Array(AlertText.line(message).utf8))
        case .email(let to, let from):
            guard !to.isEmpty else { return .failed("the email channel has no recipient") }
            let text = AlertEmail.render(message, to: to, from: from, messageID: UUID().uuidString.lowercased())
            return await run(input: Array(text.utf8), suffix: ".eml") { AlertCommands.sendmail(sendmail, message: $0) }
        case .command(let argv, let user):
            return await run(input: AlertWebhookBody.render(message), suffix: ".json") {
                AlertCommands.channel(argv: argv, user: user, event: message.event, alertID: message.alertID, input: $0)
            }
        }
    }

    /// A secret from its env file, added to `secrets` so the outcome is scrubbed of it. The error names the file
    /// and the key, never a value.
    private func read(_ ref: SecretRef, into secrets: inout [String]) throws(SecretUnavailable) -> Secret {
        let text: String
        do { text = try files.read(ref.file) } catch { throw SecretUnavailable(detail: "cannot read \(ref.file): \(error)") }
        guard let value = EnvFileParser.parse(text).last(where: { $0.key == ref.key })?.value else {
            throw SecretUnavailable(detail: "\(ref.file) has no \(ref.key)")
        }
        guard !value.isEmpty else { throw SecretUnavailable(detail: "\(ref.key) is empty in \(ref.file)") }
        secrets.append(value)
        return Secret(value)
    }

    private struct SecretUnavailable: Error { let detail: String }

    /// `input` written to the outbox, the command built for its path run through the runner, the file removed
    /// whatever happened. Exit 0 is delivered; otherwise the exit status and the first line of what it printed.
    private func run(input: [UInt8], suffix: String, _ command: (String) -> Command?) async -> DeliveryOutcome {
        let path: String
        do { path = try outbox.store(input, suffix: suffix) } catch { return .failed(error.description) }
        defer { outbox.remove(path) }
        guard let command = command(path) else { return .failed("the command channel has an empty argv") }
        let program = (command.runAs?.command ?? command).executable
        switch await runner.run(command, timeout: timeout) {
        case .success(let result) where result.exitCode == 0:
            return DeliveryOutcome(ok: true, detail: "\(program) exited 0")
        case .success(let result):
            let said = (result.stderr + "\n" + result.stdout).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            return .failed("\(program) exited \(result.exitCode)" + (said.isEmpty ? "" : ": " + said))
        case .failure(let error):
            return .failed(error.description)
        }
    }
}
