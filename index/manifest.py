"""The index manifest: which generation is live, what built it, and the checksum of every file.

The manifest is read through a pydantic schema, so a field of the wrong type or a file name outside the
index's own naming is reported as a damaged manifest instead of surfacing later as a KeyError.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from index.errors import IndexCorruptError, IndexMismatchError, IndexMissingError

FORMAT_VERSION = 4
# Format 1 kept each article's BM25 terms inside articles-N.json; format 2 keeps them in terms-N.jsonl;
# format 3 replaced bm25s's score matrix (bm25-N/) with term-frequency postings (postings-N/); format 4
# is segments (index.stored_segments): numpy columns and vectors, articles in SQLite.
READABLE_FORMATS = (1, 2, 3, 4)
MANIFEST = "manifest.json"
REBUILD_HINT = "rebuild it with 'quotebot index build'"
# Every file an index generation may hold. Formats 1-2: vectors-3.faiss, chunks-3.jsonl, articles-3.json,
# terms-3.jsonl, bm25-3/... or postings-3/...; format 4 adds segments (chunks-3.npy, vectors-3.npy, articles-3.sqlite,
# ann-3.faiss, and speakers-3.npz since the name tables) and words-3.json; build-3/ holds the batches a
# streaming build stages (index.streaming).
GENERATION_FILE = re.compile(
    r"^(?:vectors-(\d+)\.faiss|chunks-(\d+)\.jsonl|articles-(\d+)\.json|terms-(\d+)\.jsonl|bm25-(\d+)"
    r"|postings-(\d+)|chunks-(\d+)\.npy|vectors-(\d+)\.npy|articles-(\d+)\.sqlite|ann-(\d+)\.faiss"
    r"|words-(\d+)\.json|build-(\d+)|speakers-(\d+)\.npz)$"
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def generation_of(name: str) -> int | None:
    """The generation a top-level index entry belongs to, or None when it is not a generation file."""
    m = GENERATION_FILE.match(name)
    if m is None:
        return None
    return int(next(g for g in m.groups() if g is not None))


class Counts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    articles: int = Field(ge=0)
    chunks: int = Field(ge=0)


class Band(BaseModel):
    """The embedder's cosine band (:class:`index.records.Calibration`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    floor: float
    ceiling: float

    @field_validator("ceiling")
    @classmethod
    def _above_floor(cls, ceiling: float, info: Any) -> float:
        if ceiling <= info.data.get("floor", float("-inf")):
            raise ValueError("the ceiling must lie above the floor")
        return ceiling


class VectorIndex(BaseModel):
    """Which FAISS index holds the vectors (:mod:`index.vectors`): flat, a graph or inverted lists, and parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    kind: Literal["flat", "hnsw", "ivf"] = "flat"
    m: int = Field(default=0, ge=0)
    ef_search: int = Field(default=0, ge=0)
    # Inverted lists: how many, how many a search visits, and how many candidates it rescores exactly.
    lists: int = Field(default=0, ge=0)
    nprobe: int = Field(default=0, ge=0)
    rescore: int = Field(default=0, ge=0)


class SegmentEntry(BaseModel):
    """One live segment (:mod:`index.stored_segments`): its number, size, vector index, and its dead articles."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    generation: int = Field(ge=1)
    chunks: int = Field(ge=0)
    articles: int = Field(ge=0)
    kind: Literal["flat", "hnsw", "ivf"] = "flat"
    deleted: list[str] = []
    # The generation whose folder holds this segment's BM25 postings (postings-N/bm25.*), its
    # paragraphs in ordinal order, dead ones included: 0 when the index keeps one postings folder for
    # the whole generation instead (indexes written before postings followed the segments).
    postings: int = Field(default=0, ge=0)


class Manifest(BaseModel):
    """What ``manifest.json`` holds; unknown keys are ignored so that older indexes still load."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    format: int
    generation: int = Field(ge=1)
    embedder: str = Field(min_length=1)
    dim: int = Field(ge=1)
    counts: Counts
    files: dict[str, str]
    # Indexes written before calibration was stored were searched with the bundled model's band.
    calibration: Band = Band(floor=0.8, ceiling=0.95)
    updated: str = ""
    # Indexes written before the kind was recorded are flat.
    vector_index: VectorIndex = VectorIndex()
    # Format 3: the live segments, oldest (the base) first, and what opening checks of each file: its
    # size, and for a large one the digest of sampled blocks (index.checks) instead of the whole.
    segments: list[SegmentEntry] = []
    sizes: dict[str, int] = {}
    probes: dict[str, str] = {}

    @field_validator("files")
    @classmethod
    def _files_are_ours(cls, files: dict[str, str]) -> dict[str, str]:
        for name, digest in files.items():
            top = name.split("/", 1)[0]
            if ".." in name.split("/") or generation_of(top) is None:
                raise ValueError(f"'{name}' is not an index file name")
            if not _SHA256.match(digest):
                raise ValueError(f"the checksum of '{name}' is not a SHA-256 digest")
        return files

    def to_bytes(self) -> bytes:
        return json.dumps(self.model_dump(), ensure_ascii=False, indent=2).encode("utf-8")


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return f"field '{key}': {first['msg'].removeprefix('Value error, ')}"


def read_manifest(index_dir: Path) -> Manifest:
    """The validated manifest of ``index_dir``.

    Raises :class:`IndexMissingError` when there is none, :class:`IndexMismatchError` for another
    format version and :class:`IndexCorruptError` for anything unreadable or malformed.
    """
    path = index_dir / MANIFEST
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexMissingError(f"No index at {index_dir}; build one with 'quotebot index build'.") from exc
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"The index manifest {path} is damaged ({exc}); {REBUILD_HINT}.") from exc
    if not isinstance(raw, dict):
        raise IndexCorruptError(f"The index manifest {path} is damaged (not a JSON object); {REBUILD_HINT}.")
    if "format" in raw and raw["format"] not in READABLE_FORMATS:
        raise IndexMismatchError(
            f"The index at {index_dir} has format {raw['format']!r}, this QuoteBot reads formats "
            f"{', '.join(str(f) for f in READABLE_FORMATS[:-1])} and {READABLE_FORMATS[-1]}; {REBUILD_HINT}."
        )
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        raise IndexCorruptError(f"The index manifest {path} is damaged ({_describe(exc)}); {REBUILD_HINT}.") from exc
