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
    case "redact":
        _ = Redactor.scrub(text)
        let cut = Redactor.excerpt(text, limit: 300)
        precondition(cut.count <= 300)
    default:
        fatalError("STEWARD_FUZZ_TARGET must be one of manifest, checks, env, nginx, ngrok, resp, journal, redact")
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
