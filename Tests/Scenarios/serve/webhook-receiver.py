#!/usr/bin/env python3
"""A webhook receiver for the serve sandbox test: appends one JSON line per POST to OUT, with the arrival time and
whether the X-Steward-Signature header (t=UNIX,v1=HEX, HMAC-SHA256 of "t." + body) checks out with SECRET.

    webhook-receiver.py PORT OUT SECRET_FILE   (SECRET_FILE: the env file; its HOOK_SECRET= line is the key)
"""
import hashlib
import hmac
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

port, out, secret_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
secret = b""
with open(secret_file) as f:
    for line in f:
        if line.startswith("HOOK_SECRET="):
            secret = line.strip().split("=", 1)[1].encode()


def signature_ok(header, body):
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts:
        return False
    expected = hmac.new(secret, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        record = {
            "received": time.time(),
            "event": self.headers.get("X-Steward-Event"),
            "signature_ok": signature_ok(self.headers.get("X-Steward-Signature", ""), body),
            "body": json.loads(body or b"{}"),
        }
        with open(out, "a") as f:
            f.write(json.dumps(record) + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", port), Hook).serve_forever()
