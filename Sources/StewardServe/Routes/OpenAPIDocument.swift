import Foundation

/// The API's OpenAPI 3.0 document, served at `GET /api/v1/openapi.json` (no token: it holds no data). Written out
/// by hand, route by route, beside the router; a test checks that every route the router has is described and no
/// more, and the sandbox test runs schemathesis against the live daemon with it.
enum OpenAPIDocument {
    typealias Object = [String: Any]

    static let json: Data = {
        (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }()

    /// Every path and method described, as `METHOD /path` with `{name}` parameters (what the router test compares).
    static var operations: [String] {
        let paths = document["paths"] as! [String: Object]
        return paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } }.sorted()
    }

    static var document: Object {
        [
            "openapi": "3.0.3",
            "info": ["title": "Steward daemon API", "version": "1",
                     "description": "steward serve: checks, history, findings, deploys, backups and operations of this host's apps."] as Object,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer",
                                               "description": "A token from `steward serve token add NAME --scope read|operate`."]],
                "schemas": schemas,
            ] as Object,
            "paths": paths,
        ]
    }

    // MARK: - Paths

    static var paths: [String: Object] {
        [
            "/healthz": ["get": op("Whether the daemon is well (scheduler ticking, history written).", auth: false,
                                   responses: ["200": json("Health"), "503": json("Health")])],
            "/metrics": ["get": op("Prometheus text: per check its state and latency. Open on a loopback address, else a read token.",
                                   auth: false, responses: ["200": text("text/plain"), "401": error(), "403": error()])],
            "/api/v1/openapi.json": ["get": op("This document.", auth: false, responses: ["200": ["description": "OpenAPI 3.0",
                                                                                                   "content": ["application/json": ["schema": ["type": "object"]]]]])],
            "/api/v1/status": ["get": read("Every scheduled check's latest state, a summary, the open findings, and each app instance: running version, last deploy, last backup and its verification, open findings, check states.", "Status")],
            "/api/v1/checks": ["get": read("Every scheduled check with its latest state.", "Checks")],
            "/api/v1/checks/{id}/history": ["get": read("A check's results over time: raw, or 5-minute, hourly or daily rollups.", "History",
                                                        parameters: [pathParam("id", "The check's id or its history key (app@instance/id)."),
                                                                     query("from", "An RFC 3339 time or Unix seconds; default: 6 hours before to.", schema: dateTime),
                                                                     query("to", "An RFC 3339 time or Unix seconds; default: now.", schema: dateTime),
                                                                     query("step", "raw (at most 48 h), 5m, 1h or 1d; default by span.",
                                                                           schema: ["type": "string", "enum": ["raw", "5m", "1h", "1d"]])],
                                                        extra: ["400": error(), "404": error()])],
            "/api/v1/hosts": ["get": read("The other hosts serve.fleet watches over SSH, each with its own checks as its last round found them.", "Hosts")],
            "/api/v1/hosts/{host}/checks/{id}/history": ["get": read("A watched host's check over time (history key fleet:HOST/ID).", "History",
                                                                     parameters: [pathParam("host", "The host's name in the inventory."),
                                                                                  pathParam("id", "The check's id on that host."),
                                                                                  query("from", "An RFC 3339 time or Unix seconds; default: 6 hours before to.", schema: dateTime),
                                                                                  query("to", "An RFC 3339 time or Unix seconds; default: now.", schema: dateTime),
                                                                                  query("step", "raw (at most 48 h), 5m, 1h or 1d; default by span.",
                                                                                        schema: ["type": "string", "enum": ["raw", "5m", "1h", "1d"]])],
                                                                     extra: ["400": error(), "404": error()])],
            "/api/v1/findings": ["get": read("The audit's findings: open ones (default) or all, with resolved ones.", "Findings",
                                             parameters: [query("state", "open or all.", schema: ["type": "string", "enum": ["open", "all"]])],
                                             extra: ["400": error()])],
            "/api/v1/deploys": [
                "get": read("Deploys and rollbacks, newest first (from the state database).", "Deploys",
                            parameters: [query("app", "Only this app."), query("instance", "Only this instance."),
                                         query("from", "An RFC 3339 time or Unix seconds; default: 90 days before to.", schema: dateTime),
                                         query("to", "An RFC 3339 time or Unix seconds; default: now.", schema: dateTime)],
                            extra: ["400": error()]),
                "post": operate("Deploy a tag (or resume or abort an unfinished deploy).", body: [
                    "target": string("APP@INSTANCE, or APP with one instance."), "ref": string("The tag to deploy."),
                    "resume": bool(), "abort": bool(), "dryRun": bool(), "allowUntagged": bool(), "force": bool(),
                    "reason": string("Why allowUntagged or force; recorded."),
                ], required: ["target"]),
            ],
            "/api/v1/rollbacks": ["post": operate("Roll back to the previous good release, or to a given one.", body: [
                "target": string("APP@INSTANCE, or APP with one instance."), "to": string("A tag deployed successfully before."),
                "restoreDb": bool(), "keepDb": bool(), "dryRun": bool(),
            ], required: ["target"])],
            "/api/v1/backups": [
                "get": read("Backups, newest first, pruned ones with removed_at.", "Backups",
                            parameters: [query("app", "Only this app."), query("instance", "Only this instance.")]),
                "post": operate("Back up an app instance (every one when target is absent), optionally verifying.",
                                body: ["target": string("APP or APP@INSTANCE."), "verify": bool()], required: []),
            ],
            "/api/v1/backups/{id}/verify": ["post": operate("Verify a backup by restoring it into a scratch place.",
                                                            body: ["quick": bool()], required: [],
                                                            parameters: [pathParam("id", "The backup's id.", schema: ["type": "integer", "minimum": 1])])],
            "/api/v1/checks/run": ["post": {
                var o = op("Run checks now (joining runs in flight) and answer their results.", auth: true, responses: [
                    "200": json("CheckRun"), "400": error(), "401": error(), "403": error(), "404": error(), "429": error(),
                ])
                o["requestBody"] = ["required": false, "content": ["application/json": ["schema": [
                    "type": "object", "additionalProperties": false, "properties": ["target": string("APP or APP@INSTANCE.")]] as Object]]]
                return o
            }()],
            "/api/v1/alerts": ["get": read("Alerts: open ones (firing or acknowledged; default) or the latest 200, resolved ones too.", "Alerts",
                                           parameters: [query("state", "open or all.", schema: ["type": "string", "enum": ["open", "all"]])],
                                           extra: ["400": error()])],
            "/api/v1/alerts/{id}": ["get": read("One alert with its deliveries.", "Alert", parameters: [alertID], extra: ["400": error(), "404": error()])],
            "/api/v1/alerts/{id}/ack": ["post": change("Acknowledge a firing alert: reminders and escalation stop; the channels told so far hear who took it.",
                                                       ok: ("200", "Alert"), body: [:], parameters: [alertID], extra: ["404": error(), "409": error()])],
            "/api/v1/silences": [
                "get": read("Silences in force or to come.", "Silences"),
                "post": change("Silence an app, an instance or one subject of it for a while, saying why.", ok: ("201", "Silence"), body: [
                    "target": string("APP or APP@INSTANCE; absent: the whole host."), "subject": string("One check key or finding subject."),
                    "duration": ["type": "string", "description": "Whole minutes, hours or days, 1m to 30d.", "example": "2h"],
                    "reason": string("Why; shown next to every alert it silences."),
                ], required: ["duration", "reason"]),
            ],
            "/api/v1/silences/{id}": ["delete": {
                var o = change("End a silence now (it stays on record).", ok: ("204", nil), body: nil,
                               parameters: [pathParam("id", "The silence's id.", schema: ["type": "integer", "minimum": 1])], extra: ["404": error()])
                o.removeValue(forKey: "requestBody")
                return o
            }()],
            "/api/v1/operations/{id}": ["get": read("An operation the API started: its state, events and result.", "Operation",
                                                    parameters: [pathParam("id", "The operation id.")], extra: ["404": error()])],
            "/api/v1/operations/{id}/events": ["get": op("The operation's events as Server-Sent Events, ending with its result.", auth: true,
                                                         responses: ["200": events, "401": error(), "404": error()],
                                                         parameters: [pathParam("id", "The operation id.")])],
        ]
    }

    static var alertID: Object { pathParam("id", "The alert's id.", schema: ["type": "integer", "minimum": 1]) }

    /// A change that is not an operation (acknowledge, silence): operate scope, rate-limited, answered at once.
    static func change(_ summary: String, ok: (String, String?), body: Object?, required: [String] = [], parameters: [Object] = [],
                       extra: Object = [:]) -> Object {
        let answer: Object = ok.1.map(json) ?? ["description": "Done."]
        var o = op(summary + " Needs the operate scope; 10 a minute per client.", auth: true,
                   responses: [ok.0: answer, "400": error(), "401": error(), "403": error(), "429": error(), "503": error()]
                       .merging(extra) { a, _ in a }, parameters: parameters)
        if let body {
            var schema: Object = ["type": "object", "additionalProperties": false, "properties": body]
            if !required.isEmpty { schema["required"] = required }
            o["requestBody"] = ["required": !required.isEmpty, "content": ["application/json": ["schema": schema]]]
        }
        return o
    }

    static func op(_ summary: String, auth: Bool, responses: Object, parameters: [Object] = []) -> Object {
        var o: Object = ["summary": summary, "responses": responses]
        o["security"] = auth ? [["bearer": [String]()]] : [Object]()
        if !parameters.isEmpty { o["parameters"] = parameters }
        return o
    }

    static func read(_ summary: String, _ schema: String, parameters: [Object] = [], extra: Object = [:]) -> Object {
        op(summary, auth: true, responses: ["200": json(schema), "401": error()].merging(extra) { a, _ in a }, parameters: parameters)
    }

    static func operate(_ summary: String, body: Object, required: [String], parameters: [Object] = []) -> Object {
        var o = op(summary + " Needs the operate scope; 10 a minute per client. Answers 202 with the operation id, or with ?wait=SECONDS the finished operation.",
                   auth: true, responses: ["200": json("Operation"), "202": json("Accepted"), "400": error(), "401": error(), "403": error(),
                                           "404": error(), "429": error(), "503": error()],
                   parameters: parameters + [query("wait", "Seconds (0 to 300) to wait for the result.", schema: ["type": "number", "minimum": 0, "maximum": 300])])
        var schema: Object = ["type": "object", "additionalProperties": false, "properties": body]
        if !required.isEmpty { schema["required"] = required }
        o["requestBody"] = ["required": !required.isEmpty, "content": ["application/json": ["schema": schema]]]
        return o
    }

    static func json(_ schema: String) -> Object {
        ["description": schema, "content": ["application/json; charset=utf-8": ["schema": ["$ref": "#/components/schemas/\(schema)"]]]]
    }

    /// Each event (OpenAPI 3.0: the schema describes one event): its kind (step_started, step_finished, progress, log,
    /// warning, or result last) and one line of JSON data.
    static var events: Object {
        ["description": "Server-Sent Events", "content": ["text/event-stream": ["schema": [
            "type": "object", "required": ["event", "data"],
            "properties": ["event": ["type": "string", "enum": ["step_started", "step_finished", "progress", "log", "warning", "result"]],
                           "data": ["type": "string"], "id": ["type": "string"], "retry": ["type": "integer"]] as Object] as Object]]]
    }

    static func text(_ type: String) -> Object { ["description": type, "content": [type: ["schema": ["type": "string"]]]] }

    static func error() -> Object {
        ["description": "An error with a stable code.", "content": ["application/json; charset=utf-8": ["schema": ["$ref": "#/components/schemas/Error"]]]]
    }

    static func pathParam(_ name: String, _ description: String, schema: Object = ["type": "string", "minLength": 1]) -> Object {
        ["name": name, "in": "path", "required": true, "description": description, "schema": schema]
    }

    static func query(_ name: String, _ description: String, schema: Object = ["type": "string"]) -> Object {
        ["name": name, "in": "query", "required": false, "description": description, "schema": schema]
    }

    /// An RFC 3339 time, or Unix seconds.
    static var dateTime: Object { ["anyOf": [["type": "string", "format": "date-time"], ["type": "number"]]] }

    static func string(_ description: String) -> Object { ["type": "string", "description": description] }
    static func bool() -> Object { ["type": "boolean"] }

    // MARK: - Schemas

    static func document(_ schema: String, _ properties: Object, required: [String]) -> Object {
        ["type": "object", "required": ["schema"] + required,
         "properties": ["schema": ["type": "string", "enum": [schema]]].merging(properties) { a, _ in a }]
    }

    static var time: Object { ["type": "string", "format": "date-time"] }

    static func array(_ ref: String) -> Object { ["type": "array", "items": ["$ref": "#/components/schemas/\(ref)"]] }

    static var schemas: Object {
        [
            "Error": document("steward.serve.error/1", ["error": ["type": "object", "required": ["code", "message"],
                                                                   "properties": ["code": ["type": "string"], "message": ["type": "string"]]]],
                              required: ["error"]),
            "Health": ["type": "object", "required": ["status", "uptime_s"],
                       "properties": ["status": ["type": "string", "enum": ["ok", "unhealthy"]], "uptime_s": ["type": "integer"]]],
            "Check": ["type": "object", "required": ["key", "id", "kind", "state", "interval_s"], "properties": [
                "key": ["type": "string"], "id": ["type": "string"], "kind": ["type": "string"],
                "app": ["type": "string"], "instance": ["type": "string"], "interval_s": ["type": "number"],
                "state": ["type": "string", "enum": ["pass", "fail", "unknown", "pending"]],
                "latency_ms": ["type": "number"], "last_run": time, "message": ["type": "string"],
            ] as Object],
            "Status": document("steward.serve.status/1", ["generated_at": time, "uptime_s": ["type": "integer"],
                                                          "summary": ["type": "object", "additionalProperties": ["type": "integer"]],
                                                          "open_findings": ["type": "integer"], "checks": array("Check"),
                                                          "instances": array("Instance")],
                               required: ["generated_at", "summary", "checks", "instances"]),
            "Instance": ["type": "object", "required": ["app", "production", "backups", "verified", "open_findings", "checks"], "properties": [
                "app": ["type": "string"], "instance": ["type": "string", "description": "Absent for an app without instances."],
                "production": ["type": "boolean"],
                "running": ["type": "object", "description": "What the newest successful deploy or rollback put in place.",
                            "required": ["ref", "commit", "deploy_id"], "properties": [
                                "ref": ["type": "string"], "commit": ["type": "string"], "deploy_id": ["type": "integer"], "since": time,
                            ] as Object],
                "last_deploy": ["type": "object", "required": ["id", "kind", "ref", "commit", "status", "operator", "started_at"], "properties": [
                    "id": ["type": "integer"], "kind": ["type": "string"], "ref": ["type": "string"], "commit": ["type": "string"],
                    "status": ["type": "string"], "operator": ["type": "string"], "started_at": time, "finished_at": time,
                ] as Object],
                "last_backup": ["$ref": "#/components/schemas/InstanceBackup"],
                "backups": array("InstanceBackup"),
                "verified": ["type": "boolean", "description": "Whether the newest backup of every source passed its latest verification."],
                "open_findings": ["type": "integer"],
                "checks": ["type": "object", "required": ["pass", "fail", "unknown", "pending"], "properties": [
                    "pass": ["type": "integer"], "fail": ["type": "integer"], "unknown": ["type": "integer"], "pending": ["type": "integer"],
                ] as Object],
            ] as Object],
            "InstanceBackup": ["type": "object", "required": ["id", "source", "created_at", "size_bytes", "status", "verified"], "properties": [
                "id": ["type": "integer"], "source": ["type": "string"], "created_at": time, "size_bytes": ["type": "integer"],
                "status": ["type": "string", "enum": ["verified", "unverified", "verification-failed"]],
                "verified": ["type": "boolean"], "verified_at": time,
            ] as Object],
            "Hosts": document("steward.serve.hosts/1", ["generated_at": time, "hosts": ["type": "array", "items": [
                "type": "object", "required": ["name", "destination", "state", "checks"], "properties": [
                    "name": ["type": "string"], "destination": ["type": "string"],
                    "state": ["type": "string", "enum": ["ok", "warning", "critical", "unknown"]], "reason": ["type": "string"],
                    "polled_at": time, "seconds": ["type": "number"],
                    "checks": ["type": "array", "items": ["type": "object", "required": ["id", "key", "state", "severity", "latency_ms"], "properties": [
                        "id": ["type": "string"], "key": ["type": "string"], "state": ["type": "string", "enum": ["pass", "fail", "unknown"]],
                        "severity": ["type": "string", "enum": ["critical", "warning", "info"]], "message": ["type": "string"],
                        "latency_ms": ["type": "number"]] as Object] as Object],
                ] as Object] as Object]], required: ["hosts"]),
            "Checks": document("steward.serve.checks/1", ["generated_at": time, "checks": array("Check")], required: ["checks"]),
            "CheckRun": document("steward.serve.check-run/1", ["generated_at": time, "checks": array("Check")], required: ["checks"]),
            "History": document("steward.serve.history/1", [
                "key": ["type": "string"], "id": ["type": "string"], "from": time, "to": time,
                "step": ["type": "string", "enum": ["raw", "5m", "1h", "1d"]],
                "points": ["type": "array", "items": ["type": "object", "required": ["t", "runs", "failures", "unknowns"], "properties": [
                    "t": time, "runs": ["type": "integer"], "failures": ["type": "integer"], "unknowns": ["type": "integer"],
                    "min_ms": ["type": "number"], "avg_ms": ["type": "number"], "max_ms": ["type": "number"]] as Object] as Object],
            ], required: ["key", "points"]),
            "Finding": ["type": "object", "required": ["rule", "subject", "severity", "summary", "fix", "first_seen", "last_seen"], "properties": [
                "rule": ["type": "string"], "subject": ["type": "string"], "severity": ["type": "string", "enum": ["critical", "warning", "info"]],
                "summary": ["type": "string"], "evidence": ["type": "array", "items": ["type": "string"]], "fix": ["type": "string"],
                "first_seen": time, "last_seen": time, "resolved_at": time,
            ] as Object],
            "Findings": document("steward.serve.findings/1", ["generated_at": time, "state": ["type": "string"], "findings": array("Finding")],
                                 required: ["findings"]),
            "Deploy": ["type": "object", "required": ["id", "app", "instance", "kind", "status", "ref", "started_at"], "properties": [
                "id": ["type": "integer"], "app": ["type": "string"], "instance": ["type": "string"], "kind": ["type": "string"],
                "status": ["type": "string"], "ref": ["type": "string"], "commit": ["type": "string"], "previous_commit": ["type": "string"],
                "operator": ["type": "string"], "started_at": time, "finished_at": time, "error": ["type": "string"],
            ] as Object],
            "Deploys": document("steward.serve.deploys/1", ["generated_at": time, "deploys": array("Deploy")], required: ["deploys"]),
            "Backup": ["type": "object", "required": ["id", "app", "instance", "source", "kind", "created_at", "size_bytes"], "properties": [
                "id": ["type": "integer"], "app": ["type": "string"], "instance": ["type": "string"], "source": ["type": "string"],
                "kind": ["type": "string"], "created_at": time, "size_bytes": ["type": "integer"], "reason": ["type": "string"],
                "verified_at": time, "verification_passed": ["type": "boolean"], "removed_at": time,
            ] as Object],
            "Backups": document("steward.serve.backups/1", ["generated_at": time, "backups": array("Backup")], required: ["backups"]),
            "Accepted": document("steward.serve.accepted/1", [
                "operation_id": ["type": "string"], "state": ["type": "string", "enum": ["running"]],
                "links": ["type": "object", "properties": ["self": ["type": "string"], "events": ["type": "string"]]],
            ], required: ["operation_id", "links"]),
            "Alert": ["type": "object", "required": ["id", "rule", "subject", "kind", "state", "severity", "summary", "step", "notified"],
                      "properties": [
                          "schema": ["type": "string", "enum": ["steward.serve.alert/1"]],
                          "id": ["type": "integer"], "rule": ["type": "string"], "subject": ["type": "string"],
                          "kind": ["type": "string", "enum": ["check", "finding"]], "app": ["type": "string"], "instance": ["type": "string"],
                          "state": ["type": "string", "enum": ["firing", "acknowledged", "resolved"]],
                          "severity": ["type": "string", "enum": ["critical", "warning", "info"]], "summary": ["type": "string"],
                          "since": time, "fired_at": time, "acknowledged_at": time, "acknowledged_by": ["type": "string"], "resolved_at": time,
                          "step": ["type": "integer"], "notified": ["type": "array", "items": ["type": "string"]],
                          "silenced": ["type": "string"],
                          "deploy": ["type": "object", "required": ["id", "ref", "operator", "started_at", "rollback", "sentence"], "properties": [
                              "id": ["type": "integer"], "ref": ["type": "string"], "operator": ["type": "string"], "started_at": time,
                              "rollback": ["type": "string"], "sentence": ["type": "string"]] as Object],
                          "deliveries": ["type": "array", "items": ["type": "object", "required": ["channel", "notice", "at", "ok", "detail"],
                                                                     "properties": ["channel": ["type": "string"], "notice": ["type": "string"], "at": time,
                                                                                    "ok": ["type": "boolean"], "detail": ["type": "string"]] as Object]],
                      ] as Object],
            "Alerts": document("steward.serve.alerts/1", ["generated_at": time, "state": ["type": "string"], "alerts": array("Alert")],
                               required: ["alerts"]),
            "Silence": ["type": "object", "required": ["id", "starts_at", "ends_at", "reason", "created_by"], "properties": [
                "id": ["type": "integer"], "target": ["type": "string"], "subject": ["type": "string"], "starts_at": time, "ends_at": time,
                "reason": ["type": "string"], "created_by": ["type": "string"],
            ] as Object],
            "Silences": document("steward.serve.silences/1", ["generated_at": time, "silences": array("Silence")], required: ["silences"]),
            "Operation": document("steward.serve.operation/1", [
                "id": ["type": "string"], "name": ["type": "string"], "target": ["type": "string"], "identity": ["type": "string"],
                "request_id": ["type": "string"], "started_at": time, "finished_at": time,
                "state": ["type": "string", "enum": ["running", "succeeded", "failed", "interrupted"]],
                "exit_code": ["type": "integer"], "result": ["type": "object"], "events": ["type": "array", "items": ["type": "object"]],
            ], required: ["id", "name", "state"]),
        ]
    }
}
