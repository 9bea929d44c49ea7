"""The index directory: which folder QuoteBot owns, and which files in it QuoteBot may delete.

QuoteBot deletes only files it created and can name. A folder becomes an index directory when QuoteBot
creates it or finds it empty, and a marker file says so; a folder holding anything else is refused.
Before a generation's files are written, their names are appended to a ledger; only names in the ledger
are ever deleted, only inside a marked directory, and only once a newer generation has been live for a
grace period, because a reader that read the previous manifest a moment ago may still be opening its
files.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from index.errors import IndexLocationError, IndexStoreError
from index.manifest import MANIFEST, generation_of, read_manifest

MARKER = ".quotebot-index"
LOCK = ".lock"
LEDGER = "generations.jsonl"
BOOKKEEPING = frozenset({MARKER, LOCK, LEDGER, LEDGER + ".tmp", MANIFEST + ".tmp"})
# Generation files and their temporaries, as every QuoteBot version has named them (bm25-3.x1y2.tmp too).
_NUMBERED = re.compile(r"^(?:vectors|chunks|articles|terms|bm25|postings|ann|words|build|speakers)-(\d+)(?:\..*)?$")
# How long a replaced generation stays on disk for readers that loaded its manifest just before.
GRACE_SECONDS = 300.0


class Status(Enum):
    """What a would-be index directory holds."""

    MISSING = "missing"  # no such folder
    EMPTY = "empty"  # nothing, or only QuoteBot's own bookkeeping
    INDEX = "index"  # a manifest: an index to load
    ORPHANED = "orphaned"  # generation files without a manifest
    FOREIGN = "foreign"  # files QuoteBot did not create


def status(index_dir: Path) -> Status:
    if not index_dir.is_dir():
        return Status.MISSING
    names = {p.name for p in index_dir.iterdir()}
    if MANIFEST in names:
        return Status.INDEX
    numbered = {n for n in names if _NUMBERED.match(n)}
    if MARKER not in names and names - numbered - BOOKKEEPING:
        return Status.FOREIGN
    return Status.ORPHANED if numbered else Status.EMPTY


def check_location(index_dir: Path, protected: Iterable[tuple[str, Path]]) -> None:
    """Refuse an index path that is, or contains, something QuoteBot must never delete or overwrite.

    ``protected`` pairs a description ("the articles folder") with a path.
    """
    folder = index_dir.resolve()
    for what, path in protected:
        target = path.resolve()
        if target == folder or folder in target.parents:
            relation = "is" if target == folder else "contains"
            raise IndexLocationError(
                f"The index folder {folder} {relation} {what} {target}; set paths.index (or $QUOTEBOT_INDEX) "
                "to a folder of its own, such as data/index."
            )


def claim(index_dir: Path) -> None:
    """Make ``index_dir`` an index directory, or refuse it when it holds files QuoteBot did not create."""
    if (index_dir / MARKER).is_file():
        return
    current = status(index_dir)
    if current is Status.FOREIGN:
        names = sorted(p.name for p in index_dir.iterdir() if p.name not in BOOKKEEPING)
        shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        raise IndexLocationError(
            f"The folder {index_dir} already holds files QuoteBot did not create ({shown}); QuoteBot writes an "
            "index only into a new or empty folder. Set paths.index (or $QUOTEBOT_INDEX) to one."
        )
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        if current is Status.INDEX:
            _adopt(index_dir)
        write_atomic(index_dir / MARKER, b'{"created_by": "quotebot"}\n')
    except OSError as exc:
        raise IndexStoreError(f"Cannot create the index folder {index_dir}: {exc.strerror or exc}.") from exc


def _adopt(index_dir: Path) -> None:
    """An index written before the marker existed: record its live files, so they can be retired later."""
    with contextlib.suppress(IndexStoreError):
        manifest = read_manifest(index_dir)
        names = sorted({name.split("/", 1)[0] for name in manifest.files})
        record(index_dir, manifest.generation, names)


@contextlib.contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time, across processes (the bot and a CLI may both update an index)."""
    with (index_dir / LOCK).open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class _Generation:
    files: set[str] = field(default_factory=set)
    created: float = 0.0
    live: float | None = None


def _ledger(index_dir: Path) -> dict[int, _Generation]:
    generations: dict[int, _Generation] = {}
    try:
        lines = (index_dir / LEDGER).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return generations
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexStoreError(f"Cannot read the index ledger {index_dir / LEDGER}: {exc}.") from exc
    for line in lines:
        try:
            entry = json.loads(line)
            number = int(entry["generation"])
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a crash names nothing for sure
        generation = generations.setdefault(number, _Generation())
        names = entry.get("files", [])
        if isinstance(names, list):
            generation.files.update(n for n in names if isinstance(n, str) and generation_of(n) == number)
        if isinstance(entry.get("created"), int | float):
            generation.created = float(entry["created"])
        if isinstance(entry.get("live"), int | float):
            generation.live = float(entry["live"])
    return generations


def _append(index_dir: Path, entry: dict[str, object]) -> None:
    with (index_dir / LEDGER).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def next_generation(index_dir: Path) -> int:
    """A generation number no file, ledger line or manifest has used, readable or not."""
    used = [int(m.group(1)) for p in index_dir.iterdir() if (m := _NUMBERED.match(p.name))]
    used.extend(_ledger(index_dir))
    with contextlib.suppress(IndexStoreError):
        used.append(read_manifest(index_dir).generation)
    return max(used, default=0) + 1


def record(index_dir: Path, generation: int, names: Iterable[str]) -> None:
    """Note the files a generation is about to write, before writing them."""
    _append(index_dir, {"generation": generation, "files": sorted(names), "created": time.time()})


def mark_live(index_dir: Path, generation: int) -> None:
    _append(index_dir, {"generation": generation, "live": time.time()})


def retire(index_dir: Path, live: int, now: float | None = None, keep: Iterable[str] = ()) -> list[str]:
    """Delete the files of generations replaced more than :data:`GRACE_SECONDS` ago; returns their names.

    Only names the ledger holds are deleted (with their temporaries), and the ledger forgets them after.
    Names in ``keep`` (a segment an older generation wrote and the live one still uses) stay, and so
    does their ledger entry, until a later generation no longer names them.
    """
    now = time.time() if now is None else now
    kept_names = {name.split("/", 1)[0] for name in keep}
    generations = _ledger(index_dir)
    lives = sorted((g, info.live) for g, info in generations.items() if info.live is not None)
    removed: list[str] = []
    kept: dict[int, _Generation] = {}
    for number, info in sorted(generations.items()):
        replaced = min((t for g, t in lives if g > number), default=None)
        if number >= live or replaced is None or now - replaced < GRACE_SECONDS:
            kept[number] = info
            continue
        for name in sorted(info.files - kept_names):
            for entry in (name, name + ".tmp"):
                if _delete(index_dir / entry):
                    removed.append(entry)
        still = info.files & kept_names
        if still:
            kept[number] = _Generation(still, info.created, info.live)
    if removed or len(kept) != len(generations):
        lines = []
        for number, info in sorted(kept.items()):
            lines.append(json.dumps({"generation": number, "files": sorted(info.files), "created": info.created}))
            if info.live is not None:
                lines.append(json.dumps({"generation": number, "live": info.live}))
        write_atomic(index_dir / LEDGER, "".join(line + "\n" for line in lines).encode("utf-8"))
    return removed


def _delete(path: Path) -> bool:
    """Delete one file or folder QuoteBot wrote; a symbolic link is removed, never followed."""
    try:
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        else:
            return False
    except OSError:
        return False  # still there: a later save tries again
    return True


def set_aside(index_dir: Path, name: str = MANIFEST) -> Path:
    """Move a damaged file out of the way, keeping it for inspection: ``manifest.json.damaged-<time>``."""
    target = index_dir / f"{name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}"
    n = 1
    while target.exists():
        n += 1
        target = index_dir / f"{name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}-{n}"
    os.replace(index_dir / name, target)
    return target


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` for the block to write: synced and moved over ``path`` with
    ``os.replace`` when the block ends, removed when it fails, so no reader sees a half-written file."""
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        yield tmp
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write through ``<name>.tmp`` and ``os.replace``; a failed write leaves no temporary behind."""
    with replacing(path) as tmp:
        tmp.write_bytes(data)


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
