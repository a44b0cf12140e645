#!/usr/bin/python3
"""The webhook receiver of bench/serve-bench.sh: answers every POST with 204 and appends one line per request to
LOG, "ARRIVAL_EPOCH_SECONDS PATH BODY" (the body's first 300 bytes, on one line), flushed at once.

    serve-bench-webhook.py PORT LOG
"""
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

port, log_path = int(sys.argv[1]), sys.argv[2]
log = open(log_path, "a", buffering=1)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        arrived = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1 << 20)) if length else b""
        self.send_response(204)
        self.end_headers()
        text = body[:300].decode("utf-8", "replace").replace("\n", " ")
        log.write("%.6f %s %s\n" % (arrived, self.path, text))

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", port), Handler).serve_forever()
