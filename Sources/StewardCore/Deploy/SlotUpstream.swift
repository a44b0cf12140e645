/// The nginx upstream file Steward owns for a blue-green instance (`/etc/nginx/steward/<app>-<instance>.conf`): one
/// `upstream` block naming the serving slot's port. The operator's site includes it and proxies to its name; a
/// switch rewrites it, `nginx -t`, and reloads nginx gracefully (old workers finish what they serve).
public enum SlotUpstream {
    public static let directory = "/etc/nginx/steward"

    /// `steward_shop_live`: nginx names take letters, digits and `_`.
    public static func name(app: String, instance: String) -> String {
        let raw = instance.isEmpty ? app : "\(app)_\(instance)"
        return "steward_" + String(raw.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    /// The file's name in ``directory``: `shop-live.conf`.
    public static func fileName(app: String, instance: String) -> String {
        (instance.isEmpty ? app : "\(app)-\(instance)") + ".conf"
    }

    public static func path(app: String, instance: String) -> String { directory + "/" + fileName(app: app, instance: instance) }

    /// The file's text: the upstream of the slot on `port`, with idle connections kept for reuse (the site's
    /// location needs `proxy_http_version 1.1` and an empty `Connection` header to use them).
    public static func render(app: String, instance: String, port: Int) -> String {
        let label = instance.isEmpty ? app : "\(app)@\(instance)"
        return """
            # Written by steward deploy (blue-green) for \(label): the slot that serves. Steward rewrites this file at
            # every switch; include it in the site (http level) and proxy_pass http://\(name(app: app, instance: instance));
            upstream \(name(app: app, instance: instance)) {
                server 127.0.0.1:\(port);
                keepalive 16;
            }

            """
    }

    /// What `nginx -T` says of the file: whether the configuration includes it (its `# configuration file PATH:`
    /// header) and whether a location proxies to its upstream (`proxy_pass http://NAME`, comments aside: the file's
    /// own comment names it too).
    public static func usage(inDump dump: String, app: String, instance: String) -> (included: Bool, proxied: Bool) {
        let header = "# configuration file \(path(app: app, instance: instance)):"
        let target = "http://\(name(app: app, instance: instance))"
        var included = false, proxied = false
        for line in dump.split(separator: "\n", omittingEmptySubsequences: true) {
            if line == header { included = true; continue }
            let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = code.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ";" })
            if let i = words.firstIndex(of: "proxy_pass"), i + 1 < words.count {
                let url = words[i + 1]
                if url == target || url.hasPrefix(target + "/") { proxied = true }
            }
        }
        return (included, proxied)
    }

    /// The serving port the file names (its first `server 127.0.0.1:PORT`); nil when it names none.
    public static func servingPort(in text: String) -> Int? {
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ";" })
            guard words.count >= 2, words[0] == "server" else { continue }
            let address = words[1]
            guard address.hasPrefix("127.0.0.1:"), let port = Int(address.dropFirst("127.0.0.1:".count)), (1...65535).contains(port) else { continue }
            return port
        }
        return nil
    }
}
