"""RackLab-RTP stand-in for the racklab sandbox scenario: an HTTP API on SQLite, standard library only.

Run by racklab@.service as /usr/bin/python3 /opt/racklab/prod/app/server.py with, from
/etc/racklab/<instance>.env: PORT, DATABASE_URL (sqlite:////abs/path.db), AUTH_TOKEN (never
logged), WRITE_INTERVAL_MS, EXPECTED_SCHEMA.

    GET /health  200 {"status":"healthy","rows":N,"total":n,"schema":"2"}
                 503 {"status":"unhealthy","reason":"..."} when the database does not open, its
                 integrity fails (count(results) != totals.n) or meta.schema_version != EXPECTED_SCHEMA
    GET /rows    200 "N n" (count(results), totals.n)

A writer thread commits, every WRITE_INTERVAL_MS, one results row plus totals.n + 1 in ONE
transaction, so every committed state has count(results) == totals.n (what backup tests check).
It pauses while <database directory>/writer.paused exists.
"""

import contextlib
import json
import os
import signal
import sqlite3
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "8300"))
DB = os.environ.get("DATABASE_URL", "sqlite:///./racklab.db").removeprefix("sqlite:///")
INTERVAL = int(os.environ.get("WRITE_INTERVAL_MS", "5")) / 1000
EXPECTED_SCHEMA = os.environ.get("EXPECTED_SCHEMA", "2")
PAUSE_FILE = os.path.join(os.path.dirname(os.path.abspath(DB)), "writer.paused")
SCHEMA_VERSION = "2"  # what this code creates
SEED_ROWS = 2000
TESTS = ("thermal_ramp", "power_cycle", "bmc_reset", "fan_failure", "memory_stress", "nic_loopback")
SCHEMA = """
CREATE TABLE results (id INTEGER PRIMARY KEY, test TEXT NOT NULL, status TEXT NOT NULL,
                      payload TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE totals (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
stop = threading.Event()


def connect():
    # mode=rw: never create an empty database behind a restore's back (only create_if_missing does).
    conn = sqlite3.connect(f"file:{urllib.parse.quote(DB)}?mode=rw", uri=True,
                           timeout=5, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def row(i):
    """(test, status, payload: ~300 chars of JSON) of result number i."""
    test, status = TESTS[i % len(TESTS)], ("failed" if i % 17 == 0 else "passed")
    doc = {"rack": f"RTP-R{i % 24:02d}", "node": f"n{i % 48:02d}", "test": test,
           "sensors": {"inlet_c": 20 + i % 9, "cpu_c": 55 + i % 30, "fan_rpm": 7000 + i % 5000},
           "log": f"run {i}: {test} {status}"}
    doc["log"] += " ok" * ((300 - len(json.dumps(doc))) // 3)
    return test, status, json.dumps(doc)


def create_if_missing():
    """A fresh database (no file, or a file without tables) gets the schema and SEED_ROWS rows in one transaction."""
    conn = sqlite3.connect(DB, timeout=5, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")  # persistent in the file; also re-applied to a restored one
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            return "existing"
        conn.execute("BEGIN IMMEDIATE")
        for statement in SCHEMA.split(";")[:-1]:  # not executescript(): it would COMMIT first
            conn.execute(statement)
        conn.executemany("INSERT INTO results (test, status, payload, created_at) VALUES (?, ?, ?, ?)",
                         (row(i) + (f"2026-01-{1 + i // 100:02d}T{(i // 4) % 24:02d}:{i % 60:02d}:00Z",)
                          for i in range(SEED_ROWS)))
        conn.execute("INSERT INTO totals (id, n) VALUES (1, ?)", (SEED_ROWS,))
        conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        conn.execute("COMMIT")
        return f"created with {SEED_ROWS} rows"
    finally:
        conn.close()


def writer():
    conn, i, last_error = None, 0, ""
    while not stop.is_set():
        if os.path.exists(PAUSE_FILE):
            stop.wait(INTERVAL)
            continue
        try:
            if conn is None:
                conn = connect()
                conn.execute("PRAGMA synchronous = NORMAL")  # WAL: no fsync per commit (200 commits/s)
            conn.execute("BEGIN IMMEDIATE")
            if os.path.exists(PAUSE_FILE):  # paused while we waited for the lock: write nothing
                conn.execute("ROLLBACK")
                continue
            i += 1
            now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            conn.execute("INSERT INTO results (test, status, payload, created_at) VALUES (?, ?, ?, ?)", row(i) + (now,))
            conn.execute("UPDATE totals SET n = n + 1 WHERE id = 1")
            conn.execute("COMMIT")
            last_error = ""
        except sqlite3.Error as e:
            # Busy/locked (a backup, ctl.sh grow) or a database swapped by a restore: roll back the
            # whole transaction (the invariant holds) and try again; log each new error once.
            if conn is not None and conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            if str(e) != last_error:
                print(f"racklab: writer: {e}; retrying", file=sys.stderr, flush=True)
                last_error = str(e)
            if conn is not None and "locked" not in str(e) and "busy" not in str(e):
                conn.close()  # not a lock: reopen (the file may have been replaced)
                conn = None
            stop.wait(0.5)
            continue
        stop.wait(INTERVAL)
    if conn is not None:
        conn.close()


def health():
    """(HTTP status, body) of GET /health; counts and schema read in one statement, i.e. one snapshot."""
    try:
        conn = connect()
        try:
            rows, total, schema = conn.execute(
                "SELECT (SELECT count(*) FROM results), (SELECT n FROM totals WHERE id = 1),"
                " (SELECT value FROM meta WHERE key = 'schema_version')").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as e:
        return 503, {"status": "unhealthy", "reason": f"database: {e}"}
    body = {"status": "healthy", "rows": rows, "total": total, "schema": schema}
    if rows != total:
        body.update(status="unhealthy", reason=f"integrity: {rows} results rows but totals.n = {total}")
    elif schema != EXPECTED_SCHEMA:
        body.update(status="unhealthy", reason=f"schema_version {schema}, expected {EXPECTED_SCHEMA}")
    return (200 if body["status"] == "healthy" else 503), body


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status, body = health()
        if self.path == "/health":
            self.reply(status, "application/json", json.dumps(body, separators=(",", ":")))
        elif self.path == "/rows" and "rows" in body:
            self.reply(200, "text/plain", f"{body['rows']} {body['total']}\n")
        elif self.path == "/rows":
            self.reply(503, "text/plain", body["reason"] + "\n")
        else:
            self.reply(404, "text/plain", "not found\n")

    def reply(self, status, ctype, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # no access log: health polling would flood the journal
        pass


def main():
    state = create_if_missing()
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    # SIGTERM (systemctl stop): let the writer finish its transaction, then exit 0.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    thread = threading.Thread(target=writer, name="writer")
    thread.start()
    print(f"racklab: serving http://127.0.0.1:{PORT}, database {DB} ({state}), "
          f"expected schema {EXPECTED_SCHEMA}, writer every {INTERVAL * 1000:g} ms", flush=True)
    try:
        server.serve_forever()
    finally:
        stop.set()
        thread.join()
        server.server_close()
        print("racklab: stopped", flush=True)


if __name__ == "__main__":
    main()
