import Foundation

/// Rules about what the apps wrote to the journal in the audit window.
enum LogRules {
    static let all = [tracebacks, workerTimeouts, csrfFailures, moduleNotFound]

    static func auditedLogs(_ ctx: AuditContext) -> [UnitLogFacts] {
        ctx.inventory.instances.compactMap { ctx.facts.logs(for: $0.unit) }
    }

    static let tracebacks: Rule = Rule(
        id: "logs.tracebacks", severity: .warning,
        rationale: "Python tracebacks are errors users saw, even when the service stays up."
    ) { ctx in
        auditedLogs(ctx).filter { $0.tracebacks >= ctx.thresholds.tracebacksWarning && $0.tracebacks > 0 }.map { logs in
            let unit = logs.shortName
            let types = logs.exceptionTypes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            return tracebacks.finding(
                subject: unit,
                summary: "\(logs.tracebacks) Python traceback(s) in \(unit) in the last \(ctx.facts.windowHours) h"
                    + (types.isEmpty ? "" : ", mostly \(types[0].key)"),
                evidence: types.prefix(5).map { "\($0.key): \($0.value)" } + logs.samples.filter { $0.contains("Error") || $0.contains("Exception") }.prefix(2),
                fix: "Read them in full: `journalctl -u \(logs.unit) --since -\(ctx.facts.windowHours)h --no-pager | grep -B2 -A25 Traceback`; fix the code path named on the last frame.")
        }
    }

    /// A rule that fires for every unit whose log holds at least one line of a kind, counted by `count`.
    static func lineCountRule(id: String, rationale: String, count: @escaping @Sendable (UnitLogFacts) -> Int,
                              what: String, sampleMatch: @escaping @Sendable (String) -> Bool, fix: String) -> Rule {
        Rule(id: id, severity: .warning, rationale: rationale) { ctx in
            auditedLogs(ctx).filter { count($0) > 0 }.map { logs in
                Finding(rule: id, severity: .warning, subject: logs.shortName,
                        summary: "\(count(logs)) \(what) in the last \(ctx.facts.windowHours) h",
                        evidence: Array(logs.samples.filter(sampleMatch).prefix(3)), fix: fix)
            }
        }
    }

    static let workerTimeouts = lineCountRule(
        id: "logs.worker-timeouts",
        rationale: "gunicorn killed workers that took too long: requests were dropped with 502/504.",
        count: \.workerTimeouts, what: "gunicorn WORKER TIMEOUT(s)", sampleMatch: { $0.contains("WORKER TIMEOUT") },
        fix: "Find the slow endpoint (nginx `$request_time`, app logs); move slow work to a queue, or raise `--timeout` in the unit's ExecStart as a stopgap.")

    static let csrfFailures = lineCountRule(
        id: "logs.csrf-failures",
        rationale: "CSRF failures behind a proxy usually mean missing X-Forwarded-Proto/Host or CSRF_TRUSTED_ORIGINS.",
        count: \.csrfFailures, what: "CSRF verification failure(s)", sampleMatch: { $0.localizedCaseInsensitiveContains("csrf") },
        fix: "Behind nginx add `proxy_set_header X-Forwarded-Proto $scheme;` and `proxy_set_header Host $host;`; in Django set `CSRF_TRUSTED_ORIGINS = [\"https://your.domain\"]` and `SECURE_PROXY_SSL_HEADER = (\"HTTP_X_FORWARDED_PROTO\", \"https\")`.")

    static let moduleNotFound: Rule = Rule(
        id: "logs.module-not-found", severity: .critical,
        rationale: "ModuleNotFoundError means the venv lacks a dependency: a deploy skipped `pip install`."
    ) { ctx in
        auditedLogs(ctx).filter { !$0.moduleNotFound.isEmpty }.map { logs in
            let unit = logs.shortName
            let dir = ctx.facts.unit(logs.unit)?.workingDirectory ?? "/path/to/app"
            return moduleNotFound.finding(
                subject: unit,
                summary: "\(unit) cannot import \(Format.list(logs.moduleNotFound))",
                evidence: logs.moduleNotFound.map { "ModuleNotFoundError: No module named '\($0)'" },
                fix: "Install the dependencies into the app's venv: `cd \(dir) && .venv/bin/pip install -r requirements.txt`, then `systemctl restart \(logs.unit)`.")
        }
    }
}
