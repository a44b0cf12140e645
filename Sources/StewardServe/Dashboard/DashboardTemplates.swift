import Mustache

/// The dashboard's pages as mustache templates, compiled once when the router is built (string constants: the
/// binary carries them, no resource files to install). `{{name}}` HTML-escapes every value; the only triple
/// mustaches are the `…SVG` properties, markup made by ``UptimeBar`` and ``LatencySparkline``, which escape the
/// values they hold themselves (a test holds the templates to that). No inline script or style: the CSP forbids them.
enum DashboardTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in sources {
            do { try library.register(text, named: name) } catch { preconditionFailure("dashboard template \(name): \(error)") }
        }
        return library
    }()

    static func render(_ name: String, _ context: Any) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    static let sources: [(String, String)] = [("head", head), ("foot", foot), ("alert", alert), ("overview", overview), ("alerts", alerts),
                                               ("findings", findings), ("login", login), ("message", message)]

    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{chrome.title}} · Steward</title>
        <link rel="stylesheet" href="/static/app.css">
        <script src="/static/app.js" defer></script>
        </head>
        <body>
        <header class="top">
        <a class="brand" href="/">Steward</a>
        <nav>
        <a href="/"{{#chrome.navOverview}} aria-current="page"{{/chrome.navOverview}}>Overview</a>
        <a href="/alerts"{{#chrome.navAlerts}} aria-current="page"{{/chrome.navAlerts}}>Alerts</a>
        <a href="/findings"{{#chrome.navFindings}} aria-current="page"{{/chrome.navFindings}}>Findings</a>
        </nav>
        <span class="live" id="live" hidden>live</span>
        {{#chrome.loggedIn}}
        <span class="who">{{chrome.user}}{{^chrome.canOperate}} (read only){{/chrome.canOperate}}</span>
        <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="{{chrome.csrf}}"><button>Log out</button></form>
        {{/chrome.loggedIn}}
        {{^chrome.loggedIn}}<a href="/login">Log in</a>{{/chrome.loggedIn}}
        </header>
        <p class="notice" id="changed" hidden>Alerts changed: <a href="">reload</a> to see them.</p>
        <main>

        """

    static let foot = """
        </main>
        <footer>Generated {{chrome.generatedAt}}. Times are UTC.</footer>
        </body>
        </html>

        """

    static let alert = """
        <li class="alert {{phase}}" data-alert-id="{{id}}" data-state="{{phase}}">
        <span class="badge {{phase}}">{{phase}}</span> <strong>{{target}}</strong> {{rule}}: {{subject}}
        <div class="summary">{{summary}}{{#since}} (since {{.}}){{/since}}{{#acknowledgedBy}}; acknowledged by {{.}}{{/acknowledgedBy}}</div>
        {{#alertSilenced}}<div class="silenced">{{.}}</div>{{/alertSilenced}}
        {{#deploySentence}}<div class="deploy-link">{{.}}</div>{{/deploySentence}}
        {{#rollback}}<div class="rollback">Roll back with <code>{{.}}</code></div>{{/rollback}}
        {{#canAck}}<form method="post" action="/alerts/{{id}}/ack" class="inline"><input type="hidden" name="csrf" value="{{chrome.csrf}}"><button>Acknowledge</button></form>{{/canAck}}
        </li>

        """

    static let overview = """
        {{> head}}
        <h1>Overview</h1>
        {{^instances}}<p>No checks are scheduled.</p>{{/instances}}
        {{#instances}}
        <section class="instance {{status}}" data-target="{{target}}" data-state="{{status}}">
        <h2><span class="badge {{status}}" data-role="instance-state">{{status}}</span> {{target}}</h2>
        {{#silenced}}<p class="silenced">{{.}}</p>{{/silenced}}
        {{#isApp}}
        <dl class="facts">
        <div><dt>Version</dt><dd>{{#version}}{{.}}{{/version}}{{^version}}unknown{{/version}}</dd></div>
        <div><dt>Last deploy</dt><dd>{{#lastDeploy}}{{.}}{{/lastDeploy}}{{^lastDeploy}}none recorded{{/lastDeploy}}</dd></div>
        <div><dt>Last backup</dt><dd>{{#lastBackup}}{{.}}{{/lastBackup}}{{^lastBackup}}none recorded{{/lastBackup}}</dd></div>
        <div><dt>Verification</dt><dd class="{{#verificationFailed}}bad{{/verificationFailed}}">{{#verification}}{{.}}{{/verification}}{{^verification}}no backup{{/verification}}</dd></div>
        <div><dt>Open findings</dt><dd><a href="/findings">{{openFindings}}</a></dd></div>
        </dl>
        {{/isApp}}
        {{^isApp}}<p class="facts">Open findings on this host: <a href="/findings">{{openFindings}}</a></p>{{/isApp}}
        {{#hasAlerts}}<h3>Alerts</h3>
        <ul class="alerts">{{#alerts}}{{> alert}}{{/alerts}}</ul>{{/hasAlerts}}
        <table class="checks">
        <thead><tr><th>Check</th><th>State</th><th>Latency</th><th>90 days</th><th>Last 24 hours</th></tr></thead>
        <tbody>
        {{#checks}}
        <tr class="check {{state}}" data-check-key="{{key}}" data-state="{{state}}">
        <td><span class="name">{{id}}</span><div class="message" data-role="message">{{message}}</div></td>
        <td><span class="badge {{state}}" data-role="state">{{state}}</span><div class="small" data-role="last-run">{{lastRun}}</div></td>
        <td data-role="latency">{{latency}}</td>
        <td class="chart">{{{uptimeSVG}}}<div class="small">{{uptime}}</div></td>
        <td class="chart">{{{sparklineSVG}}}</td>
        </tr>
        {{/checks}}
        </tbody>
        </table>
        </section>
        {{/instances}}
        {{#hasHosts}}<h1>Other hosts</h1>{{/hasHosts}}
        {{#hosts}}
        <section class="host {{state}}" data-host="{{name}}" data-state="{{state}}">
        <h2><span class="badge {{state}}" data-role="host-state">{{state}}</span> {{name}} <span class="small">{{destination}}</span></h2>
        <p class="facts">{{#polledAt}}Checked over SSH at {{.}}{{/polledAt}}{{^polledAt}}Not checked yet{{/polledAt}}{{#reason}}: <span data-role="reason">{{.}}</span>{{/reason}}</p>
        {{#hasChecks}}<table class="checks">
        <thead><tr><th>Check</th><th>State</th><th>Latency</th></tr></thead>
        <tbody>
        {{#checks}}
        <tr class="check {{state}}" data-check-key="{{key}}" data-state="{{state}}">
        <td><span class="name">{{id}}</span><div class="message" data-role="message">{{message}}</div></td>
        <td><span class="badge {{state}}" data-role="state">{{state}}</span></td>
        <td data-role="latency">{{latency}}</td>
        </tr>
        {{/checks}}
        </tbody>
        </table>{{/hasChecks}}
        </section>
        {{/hosts}}
        {{> foot}}
        """

    static let alerts = """
        {{> head}}
        <h1>Alerts</h1>
        {{#error}}<p class="error" role="alert">{{.}}</p>{{/error}}
        <h2>Open</h2>
        {{^open}}<p>No open alerts.</p>{{/open}}
        <ul class="alerts">{{#open}}{{> alert}}{{/open}}</ul>
        <h2>Silences in force</h2>
        {{^silences}}<p>None.</p>{{/silences}}
        <ul class="silences">
        {{#silences}}
        <li data-silence-id="{{id}}">{{covers}}: {{reason}} (by {{createdBy}}, until {{endsAt}})
        {{#chrome.canOperate}}<form method="post" action="/silences/{{id}}/end" class="inline"><input type="hidden" name="csrf" value="{{chrome.csrf}}"><button>End</button></form>{{/chrome.canOperate}}
        </li>
        {{/silences}}
        </ul>
        {{#chrome.canOperate}}
        <h2>Add a silence</h2>
        <form method="post" action="/silences" class="silence-form">
        <input type="hidden" name="csrf" value="{{chrome.csrf}}">
        <label>Target <input name="target" placeholder="marb@prod; empty for the whole host" maxlength="130"></label>
        <label>Subject <input name="subject" placeholder="one check key; empty for everything" maxlength="200"></label>
        <label>Duration <input name="duration" value="1h" required maxlength="10"></label>
        <label>Reason <input name="reason" required maxlength="200"></label>
        <button>Silence</button>
        </form>
        {{/chrome.canOperate}}
        <h2>Recent</h2>
        <ul class="alerts">{{#recent}}{{> alert}}{{/recent}}</ul>
        {{> foot}}
        """

    static let findings = """
        {{> head}}
        <h1>Findings</h1>
        {{^findings}}<p>No open findings.</p>{{/findings}}
        {{#findings}}
        <article class="finding {{severity}}">
        <h2><span class="badge {{severity}}">{{severity}}</span> {{rule}}: {{subject}}</h2>
        <p>{{summary}}</p>
        {{#hasEvidence}}<ul class="evidence">{{#evidence}}<li><code>{{.}}</code></li>{{/evidence}}</ul>{{/hasEvidence}}
        <p class="fix">Fix: <code>{{fix}}</code></p>
        <p class="small">First seen {{firstSeen}}, last seen {{lastSeen}}.</p>
        </article>
        {{/findings}}
        {{> foot}}
        """

    static let login = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Log in · Steward</title>
        <link rel="stylesheet" href="/static/app.css">
        </head>
        <body class="login">
        <main>
        <h1>Steward</h1>
        {{#error}}<p class="error" role="alert">{{.}}</p>{{/error}}
        <form method="post" action="/login">
        <label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
        <button>Log in</button>
        </form>
        <p class="small">A token from <code>steward serve token add NAME --scope read</code>. It is checked once; the browser keeps only a session cookie.</p>
        </main>
        </body>
        </html>

        """

    static let message = """
        {{> head}}
        <h1>{{heading}}</h1>
        <p class="error" role="alert">{{text}}</p>
        <p><a href="/">Back to the overview</a></p>
        {{> foot}}
        """
}
