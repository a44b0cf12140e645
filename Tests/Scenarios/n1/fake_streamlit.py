"""Stand-in for Streamlit in the N1 sandbox (pure standard library).

Installed into each checkout's venv as the `streamlit` package's __main__, so the
unit runs it exactly like N1 runs the real thing:

    /opt/calb/prod/CALB_SIZINGTOOL/.venv/bin/python -m streamlit run app.py --server.port ${PORT}

It can also be run directly: `python3 -u fake_streamlit.py [run app.py] [--server.port N]`.

What it does:
  * port: `--server.port N`, else $PORT, else 8501; binds 0.0.0.0 (like N1's 0.0.0.0:8511);
  * answers HTTP 200 on every path (GET/HEAD); `/_stcore/health` answers `ok`;
  * at start-up prints Streamlit's banner to stdout and then, on stderr, N
    (STREAMLIT_STANDIN_TRACEBACKS, default 3) `Uncaught app execution` tracebacks
    ending in StreamlitValueAssignmentNotAllowedError for
    'diagram_inputs.dc_blocks_table', like N1's journal shows;
  * exits 0 on SIGTERM/SIGINT after printing "  Stopping...", like Streamlit.
Everything is flushed at once so it reaches the journal without delay.
"""

import datetime
import http.server
import os
import signal
import socketserver
import sys
import threading

ERROR_KEY = "diagram_inputs.dc_blocks_table"


def parse_args(argv):
    port = None
    script = "app.py"
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--server.port" and i + 1 < len(argv):
            port = argv[i + 1]
            i += 2
            continue
        if arg.startswith("--server.port="):
            port = arg.split("=", 1)[1]
        elif arg == "run" and i + 1 < len(argv):
            script = argv[i + 1]
            i += 2
            continue
        i += 1
    if port is None:
        port = os.environ.get("PORT", "8501")
    return int(port), script


def log_time():
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def traceback_text(app_dir, script):
    """One traceback as Streamlit logs it for an exception raised by the app."""
    pyver = "python%d.%d" % sys.version_info[:2]
    site = os.path.join(app_dir, ".venv", "lib", pyver, "site-packages", "streamlit")
    app = os.path.join(app_dir, script)
    ui = os.path.join(app_dir, "calb_sizing", "ui", "diagram_inputs.py")
    lines = [
        "%s Uncaught app execution" % log_time(),
        "Traceback (most recent call last):",
        '  File "%s/runtime/scriptrunner/exec_code.py", line 88, in exec_func_with_error_handling' % site,
        "    result = func()",
        "             ^^^^^^",
        '  File "%s/runtime/scriptrunner/script_runner.py", line 579, in code_to_exec' % site,
        "    exec(code, module.__dict__)",
        '  File "%s", line 41, in <module>' % app,
        "    main()",
        '  File "%s", line 36, in main' % app,
        "    render_dc_blocks(st.session_state)",
        '  File "%s", line 58, in render_dc_blocks' % ui,
        "    edited = st.data_editor(",
        "             ^^^^^^^^^^^^^^^",
        '  File "%s/runtime/metrics_util.py", line 409, in wrapped_func' % site,
        "    result = non_optional_func(*args, **kwargs)",
        "             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        '  File "%s/elements/widgets/data_editor.py", line 853, in data_editor' % site,
        "    check_widget_policies(",
        '  File "%s/elements/lib/policies.py", line 176, in check_widget_policies' % site,
        "    check_session_state_rules(",
        '  File "%s/elements/lib/policies.py", line 86, in check_session_state_rules' % site,
        "    raise StreamlitValueAssignmentNotAllowedError(key=key)",
        "streamlit.errors.StreamlitValueAssignmentNotAllowedError: Values for the widget with key "
        "'%s' cannot be set using st.session_state." % ERROR_KEY,
    ]
    return "\n".join(lines)


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "TornadoServer/6.4.2"
    protocol_version = "HTTP/1.1"
    sys_version = ""

    def _reply(self, with_body):
        if self.path.split("?", 1)[0] in ("/_stcore/health", "/healthz"):
            body, ctype = b"ok", "text/plain; charset=utf-8"
        else:
            body = (b"<!doctype html><html lang=\"en\"><head><meta charset=\"UTF-8\" />"
                    b"<title>Streamlit</title></head><body><noscript>You need to enable "
                    b"JavaScript to run this app.</noscript><div id=\"root\"></div></body></html>")
            ctype = "text/html"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server naming)
        self._reply(True)

    def do_HEAD(self):  # noqa: N802
        self._reply(False)

    def log_message(self, format, *args):  # Streamlit does not log requests.
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv):
    port, script = parse_args(argv)
    app_dir = os.getcwd()
    server = Server(("0.0.0.0", port), Handler)

    def stop(signum, frame):
        print("  Stopping...", flush=True)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    print("", flush=True)
    print("Collecting usage statistics. To deactivate, set browser.gatherUsageStats to false.", flush=True)
    print("", flush=True)
    print("", flush=True)
    print("  You can now view your Streamlit app in your browser.", flush=True)
    print("", flush=True)
    print("  Local URL: http://localhost:%d" % port, flush=True)
    print("  Network URL: http://127.0.0.1:%d" % port, flush=True)
    print("", flush=True)
    for _ in range(int(os.environ.get("STREAMLIT_STANDIN_TRACEBACKS", "3"))):
        print(traceback_text(app_dir, script), file=sys.stderr, flush=True)

    server.serve_forever(poll_interval=0.2)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
