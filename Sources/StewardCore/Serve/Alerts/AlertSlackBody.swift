/// What a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat) takes: `{"text": LINE}`.
public enum AlertSlackBody {
    public static func render(_ m: AlertMessage) -> [UInt8] {
        Array(AlertWebhookBody.encode(["text": AlertText.line(m)]))
    }
}
