"""OpsConductor-Pulse ingest: takes device telemetry off the queue in batches and logs each batch
(a stand-in: the messages are generated here)."""

import json
import os
import signal
import sys
import time

from telemetry import parse


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    workers = int(os.environ.get("INGEST_WORKER_COUNT", "4"))
    interval = float(os.environ.get("INGEST_BATCH_SECONDS", "5"))
    print(f"ingest: {workers} workers, one batch every {interval:g}s", flush=True)
    batch = 0
    while True:
        batch += 1
        rows = [
            parse(f"devices/tenant-a/sensor-00{i}/telemetry", json.dumps({"metrics": {"temp_c": 20 + i}}))
            for i in range(1, workers + 1)
        ]
        print(f"ingest: batch {batch}: {len(rows)} messages from {len({r['device_id'] for r in rows})} devices", flush=True)
        time.sleep(interval)


if __name__ == "__main__":
    main()
