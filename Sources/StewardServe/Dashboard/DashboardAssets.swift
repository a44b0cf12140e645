/// The dashboard's stylesheet and script, served from `/static/` (the CSP allows scripts and styles from the
/// daemon's own origin only). The script only adds live updates: every page reads fine without it.
enum DashboardAssets {
    static let css = """
        :root { --ok: #2e9d57; --fail: #d0342c; --unknown: #c9a227; --pending: #8a94a3; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f6f7f9; }
        header.top { display: flex; gap: 1.2em; align-items: center; padding: .6em 1.2em; background: #111827; color: #fff; }
        header.top a { color: #d1d5db; text-decoration: none; }
        header.top a[aria-current] { color: #fff; font-weight: 600; }
        header.top nav { display: flex; gap: 1em; flex: 1; }
        .brand { font-weight: 700; color: #fff !important; }
        .who { color: #9ca3af; }
        .live { color: #86efac; font-size: 12px; }
        main { padding: 1em 1.2em; max-width: 1280px; }
        h1 { font-size: 20px; margin: .2em 0 .6em; }
        h2 { font-size: 16px; margin: 0 0 .4em; }
        h3 { font-size: 14px; margin: .8em 0 .3em; }
        section.instance, article.finding { background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--ok); border-radius: 6px; padding: .8em 1em; margin-bottom: 1em; }
        section.instance.fail { border-left-color: var(--fail); }
        section.instance.unknown { border-left-color: var(--unknown); }
        section.instance.pending { border-left-color: var(--pending); }
        .badge { display: inline-block; min-width: 4.2em; text-align: center; padding: 0 .5em; border-radius: 9px; color: #fff; font-size: 12px; font-weight: 600; background: var(--pending); }
        .badge.pass, .badge.ok, .badge.resolved, .badge.info { background: var(--ok); }
        .badge.fail, .badge.firing, .badge.critical { background: var(--fail); }
        .badge.unknown, .badge.pending, .badge.warning, .badge.acknowledged { background: var(--unknown); }
        dl.facts { display: flex; flex-wrap: wrap; gap: .4em 2em; margin: .4em 0 .6em; }
        dl.facts dt { color: var(--muted); font-size: 12px; }
        dl.facts dd { margin: 0; }
        .bad { color: var(--fail); font-weight: 600; }
        table.checks { width: 100%; border-collapse: collapse; }
        table.checks th { text-align: left; font-weight: 500; color: var(--muted); font-size: 12px; border-bottom: 1px solid var(--line); }
        table.checks td { padding: .35em .4em .35em 0; border-bottom: 1px solid var(--line); vertical-align: top; }
        tr.check.fail .name { color: var(--fail); font-weight: 600; }
        td.chart svg { display: block; }
        .message, .small { color: var(--muted); font-size: 12px; }
        ul.alerts, ul.silences { list-style: none; padding: 0; margin: 0 0 .8em; }
        li.alert { padding: .4em .6em; margin-bottom: .4em; background: #fff7f7; border: 1px solid #f3d0ce; border-radius: 4px; }
        li.alert.acknowledged, li.alert.pending { background: #fffbeb; border-color: #f4e2a8; }
        li.alert.resolved { background: #fff; border-color: var(--line); }
        .silenced { color: #7c3aed; font-size: 12px; }
        .deploy-link { color: #7c3aed; font-weight: 600; }
        .error { color: var(--fail); font-weight: 600; }
        .notice { margin: 0; padding: .4em 1.2em; background: #fef3c7; }
        form.inline { display: inline; margin-left: .4em; }
        button { font: inherit; padding: .15em .8em; border: 1px solid #9ca3af; border-radius: 4px; background: #fff; cursor: pointer; }
        header.top button { background: transparent; color: #d1d5db; border-color: #4b5563; }
        .silence-form { display: flex; flex-wrap: wrap; gap: .6em; align-items: end; margin-bottom: 1em; }
        .silence-form label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
        input { font: inherit; padding: .2em .4em; }
        code { font: 12px/1.4 ui-monospace, monospace; background: #f3f4f6; padding: 0 .3em; border-radius: 3px; }
        body.login main { max-width: 26em; margin: 12vh auto; background: #fff; padding: 1.5em; border: 1px solid var(--line); border-radius: 8px; }
        body.login label { display: flex; flex-direction: column; gap: .3em; margin: 1em 0; }
        footer { padding: 1em 1.2em; color: var(--muted); font-size: 12px; }

        """

    static let js = """
        // Steward dashboard: live updates over Server-Sent Events (/events). The page is complete without this
        // script; it only keeps the states current. No inline script anywhere (the Content-Security-Policy).
        (function () {
          'use strict';
          if (!window.EventSource || !document.querySelector('main')) { return; }
          var source = new EventSource('/events');
          var live = document.getElementById('live');
          var alerts = null;
          source.addEventListener('open', function () { if (live) { live.hidden = false; } });
          source.addEventListener('error', function () { if (live) { live.hidden = true; } });
          function setState(element, state, base) {
            element.setAttribute('data-state', state);
            element.className = base + ' ' + state;
          }
          function each(selector, attribute, value, fn) {
            document.querySelectorAll(selector).forEach(function (el) {
              if (el.getAttribute(attribute) === value) { fn(el); }
            });
          }
          source.addEventListener('state', function (event) {
            var data;
            try { data = JSON.parse(event.data); } catch (e) { return; }
            (data.checks || []).forEach(function (check) {
              each('tr.check', 'data-check-key', check.key, function (row) {
                setState(row, check.state, 'check');
                var badge = row.querySelector('[data-role=state]');
                if (badge) { badge.textContent = check.state; badge.className = 'badge ' + check.state; }
                var latency = row.querySelector('[data-role=latency]');
                if (latency && check.latency) { latency.textContent = check.latency; }
                var message = row.querySelector('[data-role=message]');
                if (message) { message.textContent = check.message || ''; }
                var lastRun = row.querySelector('[data-role=last-run]');
                if (lastRun && check.last_run) { lastRun.textContent = check.last_run; }
              });
            });
            (data.instances || []).forEach(function (instance) {
              each('section.instance', 'data-target', instance.target, function (section) {
                setState(section, instance.state, 'instance');
                var badge = section.querySelector('[data-role=instance-state]');
                if (badge) { badge.textContent = instance.state; badge.className = 'badge ' + instance.state; }
              });
            });
            if (alerts !== null && data.alerts !== alerts) {
              var notice = document.getElementById('changed');
              if (notice) { notice.hidden = false; }
            }
            alerts = data.alerts;
          });
        }());

        """
}
