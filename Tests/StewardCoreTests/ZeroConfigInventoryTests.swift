import Foundation
import Testing
@testable import StewardCore

/// Issue 10, items 15-17: the zero-config inventory judges production, ports and apps as an operator would, and says
/// why. Table tests over facts shaped like the seeds (mARB 001, RackLab 002, chip_dashboard 004).
@Suite struct ZeroConfigInventoryTests {
    // MARK: builders

    static func unit(_ name: String, dir: String = "", env: [String] = [], environment: [String: String] = [:],
                     exec: [String], fragment: String? = nil) -> UnitFacts {
        let base = name.contains("@") ? String(name[..<name.firstIndex(of: "@")!]) + "@.service" : name
        return UnitFacts(name: name, activeState: "active", subState: "running", mainPID: 100, user: "app",
                         workingDirectory: dir, environmentFiles: env.map { EnvironmentFileRef(path: $0, optional: false) },
                         environment: environment.mapValues(Secret.init), execStart: exec,
                         fragmentPath: fragment ?? "/etc/systemd/system/\(base)")
    }

    static func envFile(_ path: String, _ values: KeyValuePairs<String, String>) -> EnvFileFacts {
        EnvFileFacts(path: path, exists: true, owner: "root", group: "root", mode: 0o600,
                     keys: values.map(\.key), values: Dictionary(uniqueKeysWithValues: values.map { ($0.key, Secret($0.value)) }))
    }

    static func site(_ names: [String], to port: Int, file: String = "/etc/nginx/sites-enabled/site") -> NginxSite {
        NginxSite(file: file, serverNames: names, listen: ["443 ssl"],
                  locations: [NginxLocation(path: "/", proxyPass: "http://127.0.0.1:\(port)", proxySetHeaders: ["Host"], line: 5)])
    }

    static func socket(_ port: Int, unit: String, address: String = "0.0.0.0") -> ListeningSocket {
        ListeningSocket(proto: .tcp, address: address, port: port, pid: 4242, process: "gunicorn", unit: unit)
    }

    /// seed 004: `broker_portal.service`, gunicorn on 0.0.0.0:8001, DJANGO_SETTINGS_MODULE, nginx with TLS for pravoo.in.
    static let seedChipUnit = unit("broker_portal.service", dir: "/root/Chips_dashboard/chip_dashboard",
                                   environment: ["DJANGO_SETTINGS_MODULE": "broker_portal.settings"],
                                   exec: ["/root/Chips_dashboard/chip_dashboard/myenv/bin/gunicorn", "broker_portal.wsgi:application",
                                          "--bind", "0.0.0.0:8001", "--workers", "3"])

    /// seed 001: the API and its Celery worker from one tree and one env file, PostgreSQL in DATABASE_URL.
    static func marbFacts(environment: String = "production") -> Facts {
        let env = "/opt/marb2.0/.env"
        let api = unit("marb2.0.service", dir: "/opt/marb2.0", env: [env],
                       exec: ["/opt/marb2.0/venv/bin/uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", "8000"])
        let worker = unit("marb2.0-celery.service", dir: "/opt/marb2.0", env: [env],
                          exec: ["/opt/marb2.0/venv/bin/celery", "-A", "app.services.queue.tasks", "worker", "--loglevel=info"])
        let file = envFile(env, ["DATABASE_URL": "postgresql://marb:pw@127.0.0.1:5432/marb", "ENVIRONMENT": environment])
        return Facts(units: [worker, api], envFiles: [file],
                     backups: BackupCatalogFacts(database: "/var/lib/steward/state.db", observedAt: Date(), records: []))
    }

    // MARK: 15. production

    @Test(arguments: [
        // (environment of the unit / env file, instance name, nginx names → port, production reason)
        ("APP_ENV=production in file", "", [String](), "env APP_ENV=production in /etc/app/app.env"),
        ("ENVIRONMENT=prod in file", "", [], "env ENVIRONMENT=prod in /etc/app/app.env"),
        ("NODE_ENV=Production in unit", "", [], "env NODE_ENV=production in Environment= of app.service"),
        ("RAILS_ENV=staging in file", "", [], nil),
        ("DJANGO_ENV=production in unit, development in file", "", [], nil),
        ("", "", ["example.com"], "served by nginx server_name example.com (/etc/nginx/sites-enabled/site)"),
        ("", "", ["_", "localhost", "127.0.0.1"], nil),
        ("", "", ["_", "72.61.148.117"], "served by nginx server_name 72.61.148.117 (/etc/nginx/sites-enabled/site)"),
        ("", "", [], nil),
    ] as [(String, String, [String], String?)])
    func productionFromEnvAndNginx(_ environment: String, _ unused: String, _ serverNames: [String], _ reason: String?) {
        var environmentVars: [String: String] = [:]
        var file: [(String, String)] = []
        switch environment {
        case "APP_ENV=production in file": file = [("APP_ENV", "production")]
        case "ENVIRONMENT=prod in file": file = [("ENVIRONMENT", "prod")]
        case "NODE_ENV=Production in unit": environmentVars = ["NODE_ENV": "Production"]
        case "RAILS_ENV=staging in file": file = [("RAILS_ENV", "staging")]
        case "DJANGO_ENV=production in unit, development in file":
            environmentVars = ["DJANGO_ENV": "production"]; file = [("DJANGO_ENV", "development")]  // the env file wins
        default: break
        }
        let u = Self.unit("app.service", dir: "/srv/app", env: ["/etc/app/app.env"], environment: environmentVars,
                          exec: ["/srv/app/venv/bin/uvicorn", "main:app", "--port", "8000"])
        let env = EnvFileFacts(path: "/etc/app/app.env", exists: true, keys: file.map(\.0),
                               values: Dictionary(uniqueKeysWithValues: file.map { ($0.0, Secret($0.1)) }))
        var facts = Facts(units: [u], envFiles: [env])
        if !serverNames.isEmpty { facts.nginx = NginxFacts(configValid: true, sites: [Self.site(serverNames, to: 8000)]) }
        let instance = Inventory.build(facts: facts, manifest: .empty).instances[0]
        #expect(instance.productionReason == reason)
        #expect(instance.production == (reason != nil))
    }

    @Test func seedChipUnitIsProductionBecauseNginxServesItPublicly() throws {
        let facts = Facts(units: [Self.seedChipUnit], nginx: NginxFacts(configValid: true, sites: [Self.site(["pravoo.in"], to: 8001, file: "/etc/nginx/sites-enabled/django")]))
        let i = try #require(Inventory.build(facts: facts, manifest: .empty).apps.first)
        #expect(i.production && i.productionReason == "served by nginx server_name pravoo.in (/etc/nginx/sites-enabled/django)")
        #expect(i.kind == "django" && i.kindEvidence == "gunicorn broker_portal.wsgi:application in ExecStart")
    }

    @Test func aTemplateInstanceIsJudgedByItsNameNotByNginx() throws {
        // chip's test.pravoo.in → broker_portal@test: a public name does not make a test instance production.
        let u = Self.unit("broker_portal@test.service", dir: "/srv/chip/test", exec: ["/srv/chip/venv/bin/gunicorn", "broker_portal.wsgi", "-b", "127.0.0.1:8002"])
        let facts = Facts(units: [u], nginx: NginxFacts(configValid: true, sites: [Self.site(["test.pravoo.in"], to: 8002)]))
        let i = try #require(Inventory.build(facts: facts, manifest: .empty).apps.first)
        #expect(!i.production && i.productionReason == nil)
        let prod = Inventory.build(facts: Facts(units: [Self.unit("broker_portal@prod.service", exec: ["/x/gunicorn"])]), manifest: .empty).apps[0]
        #expect(prod.production && prod.productionReason == "instance name prod")
    }

    @Test func theManifestsExplicitSettingWins() throws {
        let tmpl = Self.unit("web@main.service", dir: "/srv/web", env: ["/etc/web/main.env"], exec: ["/srv/web/venv/bin/uvicorn", "m:app", "--port", "8000"])
        let facts = Facts(units: [tmpl], envFiles: [Self.envFile("/etc/web/main.env", ["APP_ENV": "production"])])
        func judged(_ yaml: String) -> String? { Inventory.build(facts: facts, manifest: parsedManifest(yaml)).apps[0].productionReason }
        #expect(judged("apps:\n  web:\n    instances:\n      main: {production: false}\n") == nil)
        #expect(judged("apps:\n  web:\n    instances:\n      main: {production: true}\n") == "manifest apps.web.instances.main.production")
        // Declared without a production setting: the host's evidence still counts.
        #expect(judged("apps:\n  web:\n    instances:\n      main: {port: 8000}\n") == "env APP_ENV=production in /etc/web/main.env")
        #expect(judged("version: 1\n") == "env APP_ENV=production in /etc/web/main.env")
    }

    @Test func productionReasonsNeverPrintOtherValues() throws {
        let u = Self.unit("app.service", dir: "/srv/app", env: ["/etc/app/app.env"], exec: ["/srv/app/venv/bin/uvicorn", "main:app"])
        let env = Self.envFile("/etc/app/app.env", ["SECRET_KEY": "s3cr3t-value", "APP_ENV": "production", "ENVIRONMENT": "s3cr3t-value"])
        let report = AuditReport(facts: Facts(units: [u], envFiles: [env]), context: AuditContext(facts: Facts(units: [u], envFiles: [env])),
                                 findings: [], probes: [], generatedAt: "t", durationMs: 0)
        let text = TextRenderer(color: false).render(report) + MarkdownRenderer.render(report)
        #expect(text.contains("env APP_ENV=production in /etc/app/app.env"))
        #expect(!text.contains("s3cr3t-value"))
    }

    // MARK: 16. ports

    @Test(arguments: [
        // (ExecStart, PORT in env, sockets of the unit, port, source)
        (["/srv/app/venv/bin/gunicorn", "app.wsgi"], nil, [8004], 8004, "listening on 0.0.0.0:8004 (gunicorn)"),
        (["/srv/app/venv/bin/gunicorn", "app.wsgi"], nil, [9100, 8004], 8004, "listening on 0.0.0.0:8004 (gunicorn)"),  // nginx proxies 8004
        (["/srv/app/venv/bin/gunicorn", "app.wsgi", "-b", "127.0.0.1:8005"], nil, [8004], 8005, "ExecStart of app.service"),
        (["/srv/app/venv/bin/gunicorn", "app.wsgi"], "8006", [8004], 8006, "PORT in /etc/app/app.env"),
        (["/srv/app/venv/bin/gunicorn", "app.wsgi"], nil, [], nil, nil),
    ] as [([String], String?, [Int], Int?, String?)])
    func portsComeFromConfigurationElseFromTheUnitsSockets(_ exec: [String], _ envPort: String?, _ listening: [Int], _ port: Int?, _ source: String?) {
        let u = Self.unit("app.service", dir: "/srv/app", env: ["/etc/app/app.env"], exec: exec)
        let env = Self.envFile("/etc/app/app.env", envPort.map { ["PORT": $0] } ?? [:])
        var sockets = listening.map { Self.socket($0, unit: "app.service") }
        sockets.append(Self.socket(7000, unit: "other.service"))  // another unit's socket is not this unit's port
        let facts = Facts(units: [u], sockets: sockets, envFiles: [env],
                          nginx: NginxFacts(configValid: true, sites: [Self.site(["_"], to: 8004)]))
        let i = Inventory.build(facts: facts, manifest: .empty).apps[0]
        #expect(i.port == port)
        #expect(i.portSource == source)
    }

    // MARK: 17. apps

    @Test func anAPIAndItsWorkerFromOneTreeAreOneAppWithOneBackupMissing() throws {
        let inventory = Inventory.build(facts: Self.marbFacts(), manifest: .empty)
        let api = try #require(inventory.instance(unit: "marb2.0.service"))
        let worker = try #require(inventory.instance(unit: "marb2.0-celery.service"))
        #expect(api.partOf == nil && api.kind == "fastapi" && api.kindEvidence == "uvicorn in ExecStart")
        #expect(worker.partOf == "marb2.0" && worker.partOfReason == "same WorkingDirectory /opt/marb2.0")
        #expect(worker.kind == "celery" && worker.kindEvidence == "celery in ExecStart")
        // PORT in the shared env file is the API's: the worker listens nowhere, so no port and no ports.conflict.
        var withPort = Self.marbFacts()
        withPort.envFiles[0].keys.append("PORT")
        withPort.envFiles[0].values["PORT"] = Secret("8000")
        withPort.sockets = [Self.socket(8000, unit: "marb2.0.service", address: "127.0.0.1")]
        let shared = Inventory.build(facts: withPort, manifest: .empty)
        #expect(shared.instance(unit: "marb2.0.service")?.port == 8000 && shared.instance(unit: "marb2.0-celery.service")?.port == nil)
        #expect(RuleCatalog.evaluate(AuditContext(facts: withPort)).filter { $0.rule.hasPrefix("ports.") }.isEmpty)
        #expect(api.productionReason == "env ENVIRONMENT=production in /opt/marb2.0/.env")
        #expect(worker.productionReason == "env ENVIRONMENT=production in /opt/marb2.0/.env")

        let missing = RuleCatalog.evaluate(AuditContext(facts: Self.marbFacts())).filter { $0.rule == "backup.missing" }
        #expect(missing.map { "\($0.subject) \($0.severity)" } == ["marb2.0/db critical"])
    }

    @Test func aWorkerTakesItsAppsProductionWhenItHasNoneOfItsOwn() throws {
        // No ENVIRONMENT: the API is production because nginx serves it; its worker, sharing only the env file, too.
        var facts = Self.marbFacts(environment: "")
        facts.units[0].workingDirectory = "/opt/marb2.0/worker"
        facts.nginx = NginxFacts(configValid: true, sites: [Self.site(["api.example.org"], to: 8000)])
        let inventory = Inventory.build(facts: facts, manifest: .empty)
        let worker = try #require(inventory.instance(unit: "marb2.0-celery.service"))
        #expect(worker.partOf == "marb2.0" && worker.partOfReason == "same env file /opt/marb2.0/.env")
        #expect(worker.production && worker.productionReason == "part of marb2.0 (production: served by nginx server_name api.example.org (/etc/nginx/sites-enabled/site))")
    }

    @Test func separateTreesAndInstancesOfOneTemplateStayApart() throws {
        // Two apps with their own trees: two apps, two databases.
        var facts = Self.marbFacts()
        facts.units[0].workingDirectory = "/opt/other"
        facts.units[0].environmentFiles = []
        let inventory = Inventory.build(facts: facts, manifest: .empty)
        #expect(inventory.apps.allSatisfy { $0.partOf == nil })
        // N1: prod and test of one template (one app already) are not merged whatever they share.
        var n1 = n1Facts()
        for i in n1.units.indices { n1.units[i].workingDirectory = "/opt/calb" }
        #expect(Inventory.build(facts: n1, manifest: .empty).instances.allSatisfy { $0.partOf == nil })
    }

    @Test(arguments: [
        (["/srv/a/venv/bin/python", "-m", "streamlit", "run", "app.py"], [String: String](), "streamlit", "streamlit in ExecStart"),
        (["/srv/a/venv/bin/python", "-m", "uvicorn", "main:app"], [:], "fastapi", "uvicorn in ExecStart"),
        (["/srv/a/venv/bin/celery", "-A", "proj", "worker"], ["DJANGO_SETTINGS_MODULE": "proj.settings"], "celery", "celery in ExecStart"),
        (["/srv/a/venv/bin/python", "manage.py", "runserver"], [:], "django", "manage.py in ExecStart"),
        (["/srv/a/venv/bin/gunicorn", "proj.wsgi:application"], [:], "django", "gunicorn proj.wsgi:application in ExecStart"),
        (["/srv/a/venv/bin/gunicorn", "proj:app"], ["DJANGO_SETTINGS_MODULE": "proj.settings"], "django", "DJANGO_SETTINGS_MODULE in Environment= of a.service"),
        (["/srv/a/venv/bin/gunicorn", "proj:app"], [:], "generic", nil),
    ] as [([String], [String: String], String, String?)])
    func kindComesFromEvidence(_ exec: [String], _ environment: [String: String], _ kind: String, _ evidence: String?) {
        let i = Inventory.build(facts: Facts(units: [Self.unit("a.service", dir: "/srv/a", environment: environment, exec: exec)]), manifest: .empty).apps[0]
        #expect(i.kind == kind)
        #expect(i.kindEvidence == evidence)
    }
}
