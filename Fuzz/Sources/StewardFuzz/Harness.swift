import Foundation
import StewardCore

/// One libFuzzer entry point for every parser of outside input; `STEWARD_FUZZ_TARGET` picks the parser, so one
/// build serves all targets (each with its own corpus). A crash, a trap, a hang (`-timeout`) or memory over
/// `-rss_limit_mb` is a finding.
let target = ProcessInfo.processInfo.environment["STEWARD_FUZZ_TARGET"] ?? ""

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    switch target {
    case "manifest":
        _ = ManifestParser.parse(text, file: "/etc/steward/steward.yml")
    case "checks":
        _ = CheckFileParser.parse(text, file: "/etc/steward/checks.yml")
    case "env":
        for (key, value) in EnvFileParser.parse(text) {
            precondition(EnvFileParser.isValidName(key), "invalid name \(key)")
            _ = Redactor.isSecretName(key) ? value.count : 0
        }
    case "nginx":
        // The file includes itself: the include bounds must hold.
        _ = NginxConfigParser.parse(text, file: "/etc/nginx/sites-enabled/fuzz") { _ in text }
    case "ngrok":
        _ = NgrokConfig.parse(text, startsAll: bytes.first.map { $0 & 1 == 1 } ?? false)
    case "resp":
        var index = 0
        while index < bytes.count, let reply = try? RESPParser.parse(bytes, &index) { _ = reply }
    case "journal":
        let entries = JournalAnalyzer.entries(fromJSONLines: text)
        _ = JournalAnalyzer.unitLogs(entries, units: Array(Set(entries.compactMap(\.unit))).sorted() + ["app.service"])
        _ = JournalAnalyzer.hostLogs(oom: entries, ssh: entries)
    case "hostconfig":
        // The host files the TLS, data store and log rules read: certbot's log, pg_hba.conf, logrotate, journald.conf.
        let (lineages, lines) = CertbotLog.failures(text)
        precondition(lines.count <= 5 && lines.allSatisfy { $0.count <= 300 } && lineages.count >= min(lines.count, 1))
        _ = PgHba.trustLines(text, file: "/etc/postgresql/15/main/pg_hba.conf")
        _ = LogrotateConfig.covering("/opt/app/logs/app.log", files: [(path: "/etc/logrotate.d/fuzz", text: text)])
        _ = JournaldConfig.systemMaxUse([text, text])
    case "redact":
        _ = Redactor.scrub(text)
        let cut = Redactor.excerpt(text, limit: 300)
        precondition(cut.count <= 300)
    default:
        fatalError("STEWARD_FUZZ_TARGET must be one of manifest, checks, env, nginx, ngrok, resp, journal, redact, hostconfig")
    }
    return 0
}

// SwiftPM links an executable target's entry point as `StewardFuzz_main`; it hands over to libFuzzer's driver
// (the same thing libFuzzer's own `main` does).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("StewardFuzz_main")
public func stewardFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzOne)
}
