"""Stand-in for `python -m celery -A app.tasks worker` in the marb sandbox (no Celery in its venv, no network).

It only stays up like a worker does: it never touches the `celery` queue, whose length the checks assert.
"""
import signal
import sys

print(f"celery@marb ready (stand-in; argv {' '.join(sys.argv[1:])})", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    signal.pause()
