"""OpsConductor-Pulse ui: the customer API on :8080 (standard library only).

GET /health -> 200 {"status":"ok","version":"1.0.0"}
"""

import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from health import VERSION, status_payload


class Handler(BaseHTTPRequestHandler):
    server_version = "pulse-ui/" + VERSION

    def send_json(self, code, body):
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            self.send_json(200, status_payload())
        elif self.path == "/":
            self.send_json(200, {"service": "opsconductor-pulse-ui", "version": VERSION})
        else:
            self.send_json(404, {"detail": "Not Found"})

    def log_message(self, fmt, *args):
        print(f"ui: {self.address_string()} {fmt % args}", flush=True)


def main():
    # PID 1 in the container: without a handler SIGTERM would be ignored until docker kills it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    print(f"ui: pulse {VERSION} listening on 0.0.0.0:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
