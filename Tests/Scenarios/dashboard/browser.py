#!/usr/bin/env python3
"""Drives headless Chromium through Steward's dashboard, over the DevTools protocol on a pipe
(--remote-debugging-pipe: NUL-separated JSON on file descriptors 3 and 4; no port, no third-party module).

It logs in with the real form (so the cookie, the CSRF-free login and the Origin check meet a real browser),
opens the overview, waits for the live updates to connect, and prints what the DOM shows as one JSON object on
stdout: failing checks, instance states, deploy markers, console errors (a CSP violation is one). With
--screenshots DIR it saves overview.png and alerts.png there (1280x900).

usage: browser.py --url http://127.0.0.1:PORT --token-file FILE [--screenshots DIR] [--chromium chromium]
The token is read from a file, never from argv (visible in ps)."""
import argparse
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

FACTS = r"""
JSON.stringify({
  path: location.pathname,
  title: document.title,
  failing: Array.from(document.querySelectorAll('tr.check[data-state="fail"]')).map(r => r.getAttribute('data-check-key')),
  passing: Array.from(document.querySelectorAll('tr.check[data-state="pass"]')).map(r => r.getAttribute('data-check-key')),
  failBadge: (document.querySelector('tr.check.fail [data-role=state]') || {}).textContent || null,
  failBadgeColor: (() => { const b = document.querySelector('tr.check.fail .badge'); return b ? getComputedStyle(b).backgroundColor : null; })(),
  instances: Object.fromEntries(Array.from(document.querySelectorAll('section.instance')).map(s => [s.dataset.target, s.dataset.state])),
  deployMarkers: Array.from(document.querySelectorAll('svg.sparkline line.deploy-marker')).map(l => ({
    id: l.getAttribute('data-deploy-id'), title: (l.querySelector('title') || {}).textContent || ''})),
  uptimeCells: document.querySelectorAll('svg.uptime rect.day').length,
  deploySentences: Array.from(document.querySelectorAll('.deploy-link')).map(e => e.textContent),
  cookieVisibleToScript: document.cookie,
  live: !document.getElementById('live').hidden,
})
"""


class Chromium:
    def __init__(self, binary, width, height):
        self.profile = tempfile.mkdtemp(prefix="steward-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def pipes_on_3_and_4():
            a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        # --no-sandbox: the tests run as root in a container, where Chromium's sandbox cannot start.
        args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
                "--disable-extensions", "--hide-scrollbars", "--mute-audio", f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}", "about:blank"]
        self.proc = subprocess.Popen(args, preexec_fn=pipes_on_3_and_4, close_fds=False, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read(self, deadline):
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self.from_chrome], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe: " + self.proc.stderr.read().decode(errors="replace")[-2000:])
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method, session, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    del self.events[i]
                    return event
            self.events.append(self._read(deadline))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--screenshots")
    parser.add_argument("--chromium", default="chromium")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    options = parser.parse_args()
    with open(options.token_file) as f:
        token = f.read().strip()

    browser = Chromium(options.chromium, options.width, options.height)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": options.width, "height": options.height, "deviceScaleFactor": 1, "mobile": False}, session)

        errors = []

        def collect_errors():
            for event in browser.events:
                if event.get("method") == "Log.entryAdded":
                    entry = event["params"]["entry"]
                    if entry.get("level") == "error" and "favicon.ico" not in (entry.get("url") or ""):
                        errors.append(entry.get("text", ""))
                if event.get("method") == "Runtime.exceptionThrown":
                    errors.append(json.dumps(event["params"].get("exceptionDetails", {}))[:300])
            browser.events.clear()

        def navigate(url):
            collect_errors()
            browser.send("Page.navigate", {"url": url}, session)
            browser.wait_for("Page.loadEventFired", session)

        def evaluate(expression):
            result = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
            if "exceptionDetails" in result:
                raise RuntimeError(f"script failed: {result['exceptionDetails']}")
            return result["result"].get("value")

        def screenshot(name):
            if not options.screenshots:
                return
            os.makedirs(options.screenshots, exist_ok=True)
            data = browser.send("Page.captureScreenshot", {"format": "png"}, session)["data"]
            with open(os.path.join(options.screenshots, name), "wb") as f:
                f.write(base64.b64decode(data))

        navigate(options.url + "/login")
        login_form = evaluate("!!document.querySelector('form[action=\"/login\"] input[name=token]')")
        collect_errors()
        evaluate("document.querySelector('input[name=token]').value = %s; document.querySelector('form[action=\"/login\"]').submit(); true"
                 % json.dumps(token))
        browser.wait_for("Page.loadEventFired", session)
        # The live updates connect within a few seconds (the script shows "live").
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not evaluate("!document.getElementById('live') || !document.getElementById('live').hidden"):
            time.sleep(0.2)
        facts = json.loads(evaluate(FACTS))
        facts["loginForm"] = login_form
        screenshot("dashboard-overview.png")
        navigate(options.url + "/alerts")
        facts["alertsPath"] = evaluate("location.pathname")
        facts["alertItems"] = evaluate("document.querySelectorAll('li.alert').length")
        screenshot("dashboard-alerts.png")
        collect_errors()
        facts["consoleErrors"] = errors
        print(json.dumps(facts))
    finally:
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
