"""The racklab media directory: python3 make-media.py DIR (populate.sh runs it as racklab, umask 027).

60 files of 1-20 KB that a backup keeps (photos/, reports/, exports/) and 14 that it should skip
(4 `*.tmp`, 10 under cache/). Content, sizes and mtimes come from SHA-256 of the file's name
only, so every run (any Python 3) writes the same bytes: ctl.sh media-digest is a constant.
"""

import hashlib
import os
import sys

EPOCH = 1767225600  # 2026-01-01T00:00:00Z


def stream(name, size):
    """SIZE deterministic pseudo-random bytes for NAME (photos: incompressible, like real JPEGs)."""
    out, block = bytearray(b"\xff\xd8\xff\xe0"), 0
    while len(out) < size:
        out += hashlib.sha256(f"{name}:{block}".encode()).digest()
        block += 1
    return bytes(out[:size])


def text(name, size, line):
    """SIZE bytes of text: LINE(k) for k = 0, 1, ... (reports, exports: compressible)."""
    out, k = [], 0
    while sum(map(len, out)) < size:
        out.append(line(k) + "\n")
        k += 1
    return "".join(out).encode()[:size]


def pick(name, lo, hi):
    """A number in [lo, hi) fixed by NAME."""
    return lo + int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") % (hi - lo)


def files():
    for month in ("2025/12", "2026/01", "2026/02"):
        for k in range(1, 13):
            yield f"photos/{month}/rack-RTP-R{k:02d}-{month.replace('/', '')}.jpg", "photo", 4096, 20480
    for w in range(1, 9):
        yield f"reports/weekly/2026-w{w:02d}.md", "report", 1024, 8192
        yield f"reports/rca/RCA-2026-{w:04d}.jsonl", "rca", 1024, 6144
        yield f"exports/results-2026-01-{w * 3:02d}.csv", "csv", 2048, 16384
    # What a backup should leave out:
    for name in ("photos/2026/02/upload-5c1e.jpg.tmp", "reports/rca/RCA-draft.jsonl.tmp",
                 "exports/results-2026-02-01.csv.tmp", "upload-7f3a.tmp"):
        yield name, "photo", 1024, 8192
    for k in range(1, 9):
        yield f"cache/thumbs/rack-RTP-R{k:02d}-thumb.jpg", "photo", 1024, 4096
    yield "cache/render/dashboard.html", "report", 2048, 8192
    yield "cache/render/trend.html", "report", 2048, 8192


def content(name, kind, size):
    if kind == "photo":
        return stream(name, size)
    if kind == "report":
        return text(name, size, lambda k: f"- rack RTP-R{k % 24:02d}: {pick(f'{name}{k}', 80, 100)}% pass, "
                                          f"thermal margin {pick(f'{name}t{k}', 3, 15)} C")
    if kind == "rca":
        return text(name, size, lambda k: f'{{"step": {k}, "category": "THERMAL", "confidence": '
                                          f'0.{pick(f"{name}{k}", 50, 99)}, "node": "n{k % 48:02d}"}}')
    return text(name, size, lambda k: f"{k},{('thermal_ramp', 'power_cycle', 'bmc_reset')[k % 3]},"
                                      f"{'failed' if k % 17 == 0 else 'passed'},{pick(f'{name}{k}', 1, 60000)}")


def main(root):
    for name, kind, lo, hi in files():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content(name, kind, pick(name, lo, hi)))
        mtime = EPOCH + pick(name + ":mtime", 0, 60 * 86400)  # within Jan-Feb 2026
        os.utime(path, (mtime, mtime))


if __name__ == "__main__":
    main(sys.argv[1])
