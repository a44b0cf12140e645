#!/usr/bin/env python3
"""Load through nginx while deploys run: keep-alive clients, each on its own HTTP/1.1 connection, GET a JSON URL
that names the app's version, as fast as they can. Runs INSIDE a sandbox (the tests start it with nsenter).

    keepalive-load.py URL HOST CLIENTS STOPFILE OUTFILE

URL is http:// or https:// (TLS with HOST as its server name, the certificate not verified: the sandboxes' are
self-signed).

Stops when STOPFILE exists and writes OUTFILE (JSON): requests, failed (an error, or a status other than 200),
the failures' reasons (first 20), latencies' p50/p99 in ms, requests per second, and "mixed": answers by an older
version on a connection that had already been answered by a newer one (versions compare as dotted numbers; a
rollback makes the older one newer again, so the tests that count it deploy forward only).

A request on a reused connection that the server closed before answering (nginx's old worker closing an idle
keep-alive connection at a reload) is sent again on a new connection once, as browsers and curl do; that is not a
failure. Any other error is.
"""
import http.client
import json
import os
import socket
import ssl
import sys
import threading
import time


def version_key(text):
    try:
        return tuple(int(p) for p in text.split("."))
    except ValueError:
        return None


def main():
    url, host, clients, stopfile, outfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    scheme, _, rest = url.partition("://")
    assert scheme in ("http", "https"), url
    hostport, _, path = rest.partition("/")
    path = "/" + path
    address, _, port = hostport.partition(":")
    port = int(port or (443 if scheme == "https" else 80))
    if scheme == "https":
        # The sandboxes' certificates are self-signed: TLS as nginx serves it (SNI is HOST), not its trust.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE

        class Connection(http.client.HTTPSConnection):
            def connect(self):
                socket_ = socket.create_connection((self.host, self.port), self.timeout)
                self.sock = context.wrap_socket(socket_, server_hostname=host)

        def connect():
            return Connection(address, port, timeout=10)
    else:
        def connect():
            return http.client.HTTPConnection(address, port, timeout=10)
    lock = threading.Lock()
    totals = {"requests": 0, "failed": 0, "mixed": 0, "retried": 0}
    reasons = []
    latencies = []

    def fail(reason):
        with lock:
            totals["failed"] += 1
            if len(reasons) < 20:
                reasons.append(reason)

    def client():
        conn = None
        newest = None
        local = []
        while not os.path.exists(stopfile):
            fresh = conn is None
            if fresh:
                conn = connect()
            start = time.monotonic()
            try:
                conn.request("GET", path, headers={"Host": host})
                response = conn.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                conn.close()
                conn = None
                if fresh:
                    fail(f"{type(e).__name__}: {e}")
                else:
                    with lock:
                        totals["retried"] += 1
                continue
            except Exception as e:  # noqa: BLE001 - every other error is a failed request
                conn.close()
                conn = None
                fail(f"{type(e).__name__}: {e}")
                continue
            local.append((time.monotonic() - start) * 1000)
            with lock:
                totals["requests"] += 1
            if response.status != 200:
                fail(f"HTTP {response.status}: {body[:120]!r}")
                continue
            try:
                version = version_key(json.loads(body).get("version", ""))
            except ValueError:
                version = None
            if version is not None:
                if newest is not None and version < newest:
                    with lock:
                        totals["mixed"] += 1
                newest = version if newest is None or version > newest else newest
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        with lock:
            latencies.extend(local)

    started = time.monotonic()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 2) if latencies else None

    result = dict(totals, reasons=reasons, p50_ms=pct(0.50), p99_ms=pct(0.99), seconds=round(elapsed, 2),
                  rps=round(totals["requests"] / elapsed, 1) if elapsed > 0 else 0)
    with open(outfile + ".tmp", "w") as f:
        json.dump(result, f)
    os.rename(outfile + ".tmp", outfile)


if __name__ == "__main__":
    main()
