"""Checksums of index files: full SHA-256 when written and on demand, sampled blocks when opened.

Opening an index must not read 1.5 GB to hash it. Every file's size and SHA-256 are recorded when it is
written. Opening checks every size, hashes small files whole, and for a file above
:data:`FULL_CHECK_BYTES` hashes :data:`PROBE_BLOCKS` blocks spread over it (the first and the last
among them): a truncated, swapped or zeroed file is caught at once, a flipped byte in an unsampled
block by ``quotebot index verify`` (:func:`index.store.verify`), which hashes everything.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

FULL_CHECK_BYTES = 4 << 20
PROBE_BLOCKS = 16
PROBE_BLOCK_BYTES = 64 << 10


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def probe(path: Path) -> str:
    """SHA-256 of the file's size and of :data:`PROBE_BLOCKS` evenly spaced blocks."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    last = max(size - PROBE_BLOCK_BYTES, 0)
    with path.open("rb") as fh:
        for i in range(PROBE_BLOCKS):
            fh.seek(last * i // (PROBE_BLOCKS - 1))
            digest.update(fh.read(PROBE_BLOCK_BYTES))
    return digest.hexdigest()


def needs_probe(size: int) -> bool:
    return size > FULL_CHECK_BYTES
