"""An index on disk: segments, the words jieba keeps whole, BM25 data, and the manifest naming them.

Each save writes its new files (a delta segment with the articles added since the last save, or on
compaction one segment holding every live article) beside the old ones, each through a temporary file
and ``os.replace``, and only then replaces ``manifest.json``, which lists the live segments, their
tombstones, and the checksum of every file. A crash at any point leaves the previous manifest
pointing at whole files. Which files may be deleted, and when, is :mod:`index.directory`'s business;
what opening checks is :mod:`index.checks`'.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from index import directory
from index.checks import needs_probe, probe, sha256
from index.errors import IndexCorruptError, IndexMismatchError, IndexStoreError
from index.legacy import load_legacy
from index.lexical import SEGMENT, compacted, load_bm25, segment_postings
from index.manifest import (
    FORMAT_VERSION,
    MANIFEST,
    REBUILD_HINT,
    Band,
    Counts,
    Manifest,
    SegmentEntry,
    VectorIndex,
    read_manifest,
)
from index.records import ArticleRecord, Calibration
from index.segments import Segment as PostingsSegment
from index.segments import build_segment, save_segment
from index.segments import open_segment as open_postings
from index.snapshot import IndexData
from index.speaker_table import table_name
from index.stored_segments import COLUMNS, ORDINAL, MemoryArticles, Segment, open_segment, write_segment
from index.vectors import (
    FLAT_LIMIT,
    HNSW_EF_SEARCH,
    HNSW_M,
    IVF_LIMIT,
    IVF_NPROBE,
    IVF_RESCORE,
    build_vector_index,
    kind_for,
)

# Delta segments are searched exhaustively: past this many segments, or when deltas or dead chunks grow
# past the limits in should_compact, the next save writes one segment again.
MAX_SEGMENTS = 8
DEAD_SHARE = 0.25


def exists(index_dir: Path) -> bool:
    return (index_dir / MANIFEST).is_file()


def check_compatible(manifest: Manifest, index_dir: Path, embedder: str, dim: int) -> None:
    if manifest.embedder != embedder or manifest.dim != dim:
        raise IndexMismatchError(
            f"The index at {index_dir} was built with embedder '{manifest.embedder}' "
            f"(dim {manifest.dim}), but the config uses '{embedder}' (dim {dim}); {REBUILD_HINT}."
        )


def load(index_dir: Path, embedder: str, dim: int, previous: IndexData | None = None) -> IndexData:
    """Open and check the live generation of an index directory.

    Segments that ``previous`` (a snapshot of the same directory) has open already are taken over as
    they are: segment files never change, so a refresh after an update reads only the new segment.

    A writer may replace the generation between our reading the manifest and opening its files; old
    generations stay for a grace period, and if one is gone all the same, the new manifest is read once
    more: losing that race is not damage.
    """
    manifest = read_manifest(index_dir)
    try:
        return _load_generation(index_dir, manifest, embedder, dim, previous)
    except FileNotFoundError as exc:
        again = read_manifest(index_dir)
        if again.generation == manifest.generation:
            raise IndexCorruptError(f"The index file {exc.filename} is missing; {REBUILD_HINT}.") from exc
    try:
        return _load_generation(index_dir, again, embedder, dim, previous)
    except FileNotFoundError as exc:
        raise IndexCorruptError(f"The index file {exc.filename} is missing; {REBUILD_HINT}.") from exc


def _load_generation(
    index_dir: Path, manifest: Manifest, embedder: str, dim: int, previous: IndexData | None = None
) -> IndexData:
    check_compatible(manifest, index_dir, embedder, dim)
    if manifest.format < 4:
        return load_legacy(index_dir, manifest, embedder, dim)
    postings_of = {e.generation: e.postings for e in manifest.segments}
    known = {s.generation: s for s in previous.segments if s.files} if previous is not None else {}
    known = {g: s for g, s in known.items() if all(manifest.files.get(n) == c[0] for n, c in s.files.items())
             and s.bm25_generation == postings_of.get(g)}
    checks = _check_files(index_dir, manifest, {n for s in known.values() for n in s.files})
    gen = manifest.generation
    dead = {e.generation: frozenset(e.deleted) for e in manifest.segments if e.deleted}
    calibration = Calibration(manifest.calibration.floor, manifest.calibration.ceiling)
    try:
        segments = []
        for entry in manifest.segments:
            if entry.generation in known:
                segments.append(known[entry.generation])
                continue
            if (f"ann-{entry.generation}.faiss" in manifest.files) != (entry.kind != "flat"):
                raise ValueError(f"the manifest says a {entry.kind} vector index for segment {entry.generation}, "
                                 "its files disagree")
            segment = open_segment(index_dir, entry.generation, dim, entry.kind,
                                   speakers=table_name(entry.generation) in manifest.files)
            segment.files = {n: c for n, c in checks.items() if n in _segment_names(entry.generation)}
            if entry.kind == "ivf":
                segment.lists = manifest.vector_index.lists
            if entry.kind == "hnsw":
                segment.depth = manifest.vector_index.ef_search
            if entry.postings:
                _attach_postings(segment, index_dir, entry.postings, checks)
            segments.append(segment)
        words = json.loads((index_dir / f"words-{gen}.json").read_text(encoding="utf-8"))["user_words"]
        by_segment = all(e.postings for e in manifest.segments)
        bm25 = None
        if not by_segment and (index_dir / f"postings-{gen}").is_dir():
            if len(segments) == 1 and not manifest.segments[0].deleted and segments[0].bm25 is None:
                # The one postings folder of an index written before postings followed the segments: with
                # one segment and nothing deleted, its passage order is the segment's ordinal order.
                _attach_postings(segments[0], index_dir, gen, checks)
                by_segment = True
            else:
                bm25 = load_bm25(index_dir / f"postings-{gen}")
        data = IndexData(embedder, dim, calibration, segments, bm25, [str(w) for w in words], dead, {}, gen,
                         by_segment)
        if by_segment and segments:
            data.bm25 = segment_postings(data)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexCorruptError(f"The index at {index_dir} cannot be read ({exc}); {REBUILD_HINT}.") from exc
    _check_consistent(data, manifest, index_dir)
    return data


def _attach_postings(segment: Segment, index_dir: Path, generation: int,
                     checks: dict[str, tuple[str, int, str]]) -> None:
    """Open the postings in ``postings-<generation>/`` as ``segment``'s; their files become its files."""
    segment.bm25 = open_postings(index_dir / f"postings-{generation}", SEGMENT)
    segment.bm25_generation = generation
    segment.files.update({n: c for n, c in checks.items() if n.startswith(f"postings-{generation}/")})


def _segment_names(generation: int) -> set[str]:
    return {f"{stem}-{generation}.{ext}" for stem, ext in (("chunks", "npy"), ("vectors", "npy"),
                                                          ("articles", "sqlite"), ("ann", "faiss"),
                                                          ("speakers", "npz"))}


def _check_files(index_dir: Path, manifest: Manifest, checked: set[str]) -> dict[str, tuple[str, int, str]]:
    """Every file of the manifest is there with its size; small ones hash right, large ones probe right.

    Files in ``checked`` belong to segments already open and checked: they are left out."""
    checks = {}
    for name, expected in manifest.files.items():
        if name in checked:
            continue
        path = index_dir / name
        if not path.is_file():
            raise FileNotFoundError(2, "missing", str(path))
        size = path.stat().st_size
        recorded = manifest.sizes.get(name)
        sampled = manifest.probes.get(name, "")
        if recorded is None or size != recorded:
            good = False
        elif needs_probe(size):
            good = bool(sampled) and probe(path) == sampled
        else:
            good = sha256(path) == expected
        if not good:
            raise IndexCorruptError(f"The index file {path} does not match its checksum; {REBUILD_HINT}.")
        checks[name] = (expected, size, sampled)
    return checks


def verify(index_dir: Path) -> int:
    """Hash every file of the live generation whole (``quotebot index verify``); returns how many."""
    manifest = read_manifest(index_dir)
    for name, expected in manifest.files.items():
        path = index_dir / name
        if not path.is_file():
            raise IndexCorruptError(f"The index file {path} is missing; {REBUILD_HINT}.")
        if sha256(path) != expected:
            raise IndexCorruptError(f"The index file {path} does not match its checksum; {REBUILD_HINT}.")
    return len(manifest.files)


def _check_consistent(data: IndexData, manifest: Manifest, index_dir: Path) -> None:
    """Chunk ids are unique, every chunk names an article and paragraph of its segment, counts agree."""
    problem = None
    for entry, segment in zip(manifest.segments, data.segments, strict=True):
        cols = segment.columns
        ordinals, paragraphs = cols[:, ORDINAL], cols[:, 2]
        if len(segment) != entry.chunks or len(segment.article_ids) != entry.articles:
            problem = f"segment {entry.generation} holds {len(segment)} chunks of {len(segment.article_ids)} articles"
        elif len(segment) and (ordinals.min() < 0 or ordinals.max() >= len(segment.article_ids)):
            problem = f"a chunk of segment {entry.generation} names no article of it"
        elif len(segment) and np.any(paragraphs >= segment.paragraph_counts[ordinals]):
            problem = f"a chunk of segment {entry.generation} names no paragraph of its article"
    if problem is None:
        if not _ids_unique([np.asarray(s.ids) for s in data.segments]):
            problem = "two chunks share an id"
        elif len(data.articles) != manifest.counts.articles:
            problem = f"it holds {len(data.articles)} live articles, the manifest says {manifest.counts.articles}"
        elif _bm25_documents(data) != sum(data.paragraph_counts().values()):
            problem = f"its BM25 postings hold {_bm25_documents(data)} paragraphs, its articles more or fewer"
    if problem is not None:
        raise IndexCorruptError(f"The index at {index_dir} is inconsistent ({problem}); {REBUILD_HINT}.")


def _ids_unique(ids: list[np.ndarray]) -> bool:
    """Whether no chunk id repeats over the segments. Ids are handed out in increasing order, so each
    segment's rise and each starts above the one before: checked in one pass instead of a sort of
    every id (0.1 s at 100k chunks); indexes written otherwise are sorted."""
    rising = all(a.size < 2 or bool(np.all(a[1:] > a[:-1])) for a in ids)
    bounds = [(int(a[0]), int(a[-1])) for a in ids if a.size]
    if rising and all(low > high for (_, high), (low, _) in zip(bounds, bounds[1:], strict=False)):
        return True
    every = np.sort(np.concatenate(ids)) if ids else np.zeros(0, dtype=np.int64)
    # A sort and a look at neighbours, not np.unique: that imports numpy.ma, 0.04 s of a fresh process.
    return not bool(np.any(every[1:] == every[:-1]))


def _bm25_documents(data: IndexData) -> int:
    """How many live paragraphs the snapshot's postings hold."""
    if data.bm25 is None:
        return 0
    return data.bm25.live if data.bm25_by_segment else len(data.bm25)


def should_compact(data: IndexData, flat_limit: int = FLAT_LIMIT, max_segments: int = MAX_SEGMENTS) -> bool:
    """Whether the next save rewrites the index as one segment instead of adding a delta."""
    if not data.segments or any(isinstance(s.articles, MemoryArticles) for s in data.segments):
        return True
    if not data.bm25_by_segment:
        return True  # postings of an older layout: one segment puts them in step with the segments
    new = sum(len(p.rows) for p in data.pending.values())
    if len(data.segments) + (1 if new else 0) > max_segments:
        return True
    if sum(len(s) for s in data.segments[1:]) + new > flat_limit:
        return True
    total = sum(len(s) for s in data.segments) + new
    return total > 0 and 1 - data.chunk_count / total > DEAD_SHARE


def save(index_dir: Path, data: IndexData, flat_limit: int = FLAT_LIMIT, max_segments: int = MAX_SEGMENTS,
         ivf_limit: int = IVF_LIMIT) -> int:
    """Write ``data``'s pending articles (or all of it, compacted) and make it live; returns the generation.

    The caller holds the directory's write lock and has claimed it (:func:`index.directory.claim`).
    Afterwards ``data`` is the saved snapshot: its new segment is read from disk, nothing is pending.
    """
    gen = directory.next_generation(index_dir)
    if data.bm25_by_segment and not _postings_in_step(data):
        # The caller did not lay the update's postings out (the engine does, before a backend needs them).
        data.bm25 = segment_postings(data) if data.segments or data.pending else None
    compact = should_compact(data, flat_limit, max_segments)
    part = _everything(data) if compact else _pending(data)
    kind = kind_for(len(part[1]), flat_limit, ivf_limit) if compact else "flat"
    names = [f"chunks-{gen}.npy", f"vectors-{gen}.npy", f"articles-{gen}.sqlite", table_name(gen)] if part[0] else []
    names += [f"ann-{gen}.faiss"] if part[0] and kind != "flat" else []
    names += [f"words-{gen}.json"] + ([f"postings-{gen}"] if part[0] else [])
    try:
        directory.record(index_dir, gen, names)
        written: list[Path] = []
        ann = None
        if part[0]:
            records, columns, vectors = part
            ann = build_vector_index(data.dim, kind, vectors, columns[:, 0]) if kind != "flat" else None
            written += write_segment(index_dir, gen, records, columns, vectors, ann)
            # The new segment's own postings: a delta's pending paragraphs, or every live one on compaction.
            written += save_segment(index_dir / f"postings-{gen}", SEGMENT, _new_postings(data, compact))
        words = json.dumps({"user_words": data.user_words}, ensure_ascii=False).encode("utf-8")
        directory.write_atomic(index_dir / f"words-{gen}.json", words)
        written.append(index_dir / f"words-{gen}.json")
        fresh = {path.relative_to(index_dir).as_posix(): _checks(path) for path in written}
        kept = [] if compact else [s for s in data.segments if _has_live(data, s)]
        segments = list(kept)
        if part[0]:
            segment = open_segment(index_dir, gen, data.dim, kind, ann, speakers=table_name(gen) in fresh)
            segment.files = {n: c for n, c in fresh.items() if not n.startswith("words-")}
            # Served from the mapped files from now on, not from the arrays the update built in memory.
            segment.bm25 = open_postings(index_dir / f"postings-{gen}", SEGMENT)
            segment.bm25_generation = gen
            segments.append(segment)
        dead = {} if compact else {s.generation: data.dead[s.generation] for s in kept if s.generation in data.dead}
        files = {n: c for s in segments for n, c in s.files.items()}
        files.update({n: c for n, c in fresh.items() if n.startswith("words-")})
        saved = IndexData(data.embedder, data.dim, data.calibration, segments, None, data.user_words, dead,
                          {}, gen)
        saved.bm25 = segment_postings(saved) if segments else None
        publish(index_dir, saved, files)
    except OSError as exc:
        raise IndexStoreError(f"Cannot write the index at {index_dir}: {exc.strerror or exc}.") from exc
    data.segments, data.dead, data.pending, data.generation, data._where = segments, dead, {}, gen, None
    data.bm25, data.bm25_by_segment = saved.bm25, True
    directory.retire(index_dir, gen, keep=files)
    return gen


def _postings_in_step(data: IndexData) -> bool:
    """Whether ``data.bm25`` has a segment per saved segment and one for the pending articles."""
    if data.bm25 is None:
        return not data.segments and not data.pending
    return len(data.bm25.segments) == len(data.segments) + (1 if data.pending else 0)


def publish(index_dir: Path, saved: IndexData, files: dict[str, tuple[str, int, str]]) -> None:
    """Make ``saved`` (every file of it written and synced) the live generation: its manifest replaces
    the old one, the one step a reader can see."""
    manifest = _manifest(saved, saved.generation, files)
    directory.fsync_dir(index_dir)
    directory.write_atomic(index_dir / MANIFEST, manifest.to_bytes())
    directory.fsync_dir(index_dir)
    directory.mark_live(index_dir, saved.generation)


def file_checks(path: Path) -> tuple[str, int, str]:
    """What the manifest records of a written file: SHA-256, size, and the probe digest of a large one."""
    return _checks(path)


def _checks(path: Path) -> tuple[str, int, str]:
    size = path.stat().st_size
    return sha256(path), size, probe(path) if needs_probe(size) else ""


def _has_live(data: IndexData, segment: Segment) -> bool:
    return len(data.dead.get(segment.generation, frozenset())) < len(segment.article_ids)


def _manifest(data: IndexData, gen: int, files: dict[str, tuple[str, int, str]]) -> Manifest:
    entries = [
        SegmentEntry(generation=s.generation, chunks=len(s), articles=len(s.article_ids), kind=s.kind,  # type: ignore[arg-type]
                     deleted=sorted(data.dead.get(s.generation, frozenset())), postings=s.bm25_generation)
        for s in data.segments
    ]
    base = data.segments[0].kind if data.segments else "flat"
    lists = data.segments[0].lists if base == "ivf" else 0
    return Manifest(
        format=FORMAT_VERSION,
        generation=gen,
        embedder=data.embedder,
        dim=data.dim,
        counts=Counts(articles=len(data.articles), chunks=data.chunk_count),
        files={n: c[0] for n, c in files.items()},
        calibration=Band(floor=data.calibration.floor, ceiling=data.calibration.ceiling),
        updated=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        vector_index=VectorIndex(kind=base, m=HNSW_M if base == "hnsw" else 0,  # type: ignore[arg-type]
                                 ef_search=(data.segments[0].depth or HNSW_EF_SEARCH) if base == "hnsw" else 0,
                                 lists=lists,
                                 nprobe=min(IVF_NPROBE, lists), rescore=IVF_RESCORE if lists else 0),
        segments=entries,
        sizes={n: c[1] for n, c in files.items()},
        probes={n: c[2] for n, c in files.items() if c[2]},
    )


Part = tuple[list[ArticleRecord], np.ndarray, np.ndarray]


def _new_postings(data: IndexData, compact: bool) -> PostingsSegment:
    """The postings segment of the segment a save writes (see :mod:`index.lexical`)."""
    postings = data.bm25
    if not compact:
        # The pending articles' paragraphs, which the update's postings hold as their last segment.
        if postings is not None and data.bm25_by_segment and len(postings.segments) == len(data.segments) + 1:
            return postings.segments[-1]
        return build_segment([p for aid in sorted(data.pending) for p in data.pending[aid].record.terms])
    if data.bm25_by_segment:
        return compacted(data)
    # An older layout's postings are in passage order already: that of the compacted segment.
    if postings is None:
        return build_segment([])
    single = postings if len(postings.segments) == 1 and postings.segments[0].dead is None else postings.merged()
    return single.segments[0] if single.segments else build_segment([])


def _pending(data: IndexData) -> Part:
    """The pending articles as a segment's records, chunk columns and vectors (articles by id)."""
    records, columns, vectors = [], [], []
    for ordinal, aid in enumerate(sorted(data.pending)):
        pending = data.pending[aid]
        records.append(pending.record)
        columns += [[r.id, ordinal, r.chunk.paragraph, r.chunk.start, r.chunk.end] for r in pending.rows]
        vectors.append(pending.vectors.reshape(-1, data.dim))
    matrix = np.concatenate(vectors) if vectors else np.zeros((0, data.dim), dtype=np.float32)
    return records, np.array(columns, dtype=np.int64).reshape(-1, len(COLUMNS)), matrix


def _everything(data: IndexData) -> Part:
    """Every live article as one segment's records (with their terms), columns and vectors."""
    terms = data.terms()
    order = sorted(data.articles)
    new_ordinal = {aid: i for i, aid in enumerate(order)}
    by_id: dict[str, ArticleRecord] = {}
    for record in data.articles.values():
        by_id[record.article_id] = record if record.terms else _with_terms(record, terms[record.article_id])
    records = [by_id[aid] for aid in order]
    columns, vectors = [], []
    for position, segment in enumerate(data.segments):
        live = data.live_mask(position)
        remap = np.array([new_ordinal.get(aid, -1) for aid in segment.article_ids], dtype=np.int64)
        cols = np.array(segment.columns[live], dtype=np.int64)
        if len(cols):
            cols[:, ORDINAL] = remap[cols[:, ORDINAL]]
        columns.append(cols)
        vectors.append(np.asarray(segment.vectors[live], dtype=np.float32))
    pending = _pending(data)
    if len(pending[1]):
        cols = pending[1].copy()
        names = sorted(data.pending)
        cols[:, ORDINAL] = [new_ordinal[names[o]] for o in cols[:, ORDINAL]]
        columns.append(cols)
        vectors.append(pending[2])
    matrix = np.concatenate(vectors) if vectors else np.zeros((0, data.dim), dtype=np.float32)
    cols = np.concatenate(columns) if columns else np.zeros((0, len(COLUMNS)), dtype=np.int64)
    return records, cols, matrix


def _with_terms(record: ArticleRecord, terms: list[list[str]]) -> ArticleRecord:
    from dataclasses import replace

    return replace(record, terms=terms)
