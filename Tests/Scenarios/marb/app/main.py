"""mARB 2.0 API stand-in for the marb sandbox scenario (FastAPI under uvicorn).

Run by marb@.service as
    <venv>/bin/uvicorn main:app --host 127.0.0.1 --port ${PORT} --app-dir /opt/marb/prod/app
with DATABASE_URL (postgresql://...) and REDIS_URL (redis://:pw@host:port/db) from
/etc/marb/<instance>.env.

    GET /               200 {"name":"mARB 2.0","version":"2.0.0"}
    GET /api/v1/health  200 {"status":"healthy","database":"connected","redis":"connected","version":"2.0.0"}
                        503 {"status":"unhealthy","database":"disconnected: connection refused",...}
                        when either check fails. Both are queried on every request (SELECT 1
                        through psycopg, PING through redis-py); reasons never hold secrets.
"""

import os
import re

import psycopg
import redis
from fastapi import FastAPI
from fastapi.responses import JSONResponse

VERSION = "2.0.0"
TIMEOUT_S = 2

app = FastAPI(title="mARB 2.0", version=VERSION)


def _secrets():
    """Passwords in the configured URLs: never echoed in a reason."""
    out = []
    for var in ("DATABASE_URL", "REDIS_URL"):
        m = re.match(r"^[a-z+]+://[^:/@]*:([^@]*)@", os.environ.get(var, ""))
        if m and m.group(1):
            out.append(m.group(1))
    return out


def _reason(exc):
    """A short, secret-free reason for a failed check."""
    text = str(exc).strip()
    for s in _secrets():
        text = text.replace(s, "***")
    low = text.lower()
    known = (
        ("connection refused", "connection refused"),
        ("timed out", "timeout"),
        ("timeout", "timeout"),
        ("password authentication failed", "authentication failed"),
        ("authentication required", "authentication failed"),
        ("invalid password", "authentication failed"),
        ("invalid username-password", "authentication failed"),
        ("wrongpass", "authentication failed"),
        ("noauth", "authentication failed"),
        ("shutting down", "server shutting down"),
        ("starting up", "server starting up"),
        ("loading the dataset", "server loading"),
        ("name or service not known", "unknown host"),
        ("no route to host", "no route to host"),
    )
    for needle, short in known:
        if needle in low:
            return short
    first = text.splitlines()[0] if text else ""
    return (f"{type(exc).__name__}: {first}" if first else type(exc).__name__)[:120]


def check_database():
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "disconnected: DATABASE_URL not set"
    try:
        with psycopg.connect(url, connect_timeout=TIMEOUT_S) as conn:
            conn.execute("SELECT 1").fetchone()
        return "connected"
    except Exception as exc:  # any failure is reported, never raised
        return f"disconnected: {_reason(exc)}"


def check_redis():
    url = os.environ.get("REDIS_URL")
    if not url:
        return "disconnected: REDIS_URL not set"
    client = None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S)
        client.ping()
        return "connected"
    except Exception as exc:
        return f"disconnected: {_reason(exc)}"
    finally:
        if client is not None:
            client.close()


@app.get("/")
def root():
    return {"name": "mARB 2.0", "version": VERSION}


@app.get("/api/v1/health")
def health():
    database = check_database()
    cache = check_redis()
    healthy = database == "connected" and cache == "connected"
    body = {
        "status": "healthy" if healthy else "unhealthy",
        "database": database,
        "redis": cache,
        "version": VERSION,
    }
    return JSONResponse(body, status_code=200 if healthy else 503)
