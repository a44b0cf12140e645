"""What GET /health reports."""

VERSION = "1.0.0"


def status_payload():
    return {"status": "ok", "version": VERSION}
