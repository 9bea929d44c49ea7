"""Storage candidates for a large index (issue 13): chunk metadata, vectors, BM25, checksums.

Run by hand from the project root:

    python benchmarks/storage_choice.py meta     --eval-dir EVAL_DIR --work WORK_DIR [--sizes 100000,1000000]
    python benchmarks/storage_choice.py vectors  --work WORK_DIR [--sizes 100000,1000000]
    python benchmarks/storage_choice.py bm25     --eval-dir EVAL_DIR [--sizes 100000,1000000]
    python benchmarks/storage_choice.py checksum --work WORK_DIR

- meta (needs pyarrow): the chunk table (article, paragraph, offsets, text, content hash) written as today's JSONL,
  SQLite, Arrow IPC (memory-mapped), Parquet and numpy columns plus a UTF-8 text blob; for each, a
  fresh process reports the open time, its resident memory after opening, and the time to fetch
  100 random chunks (what one question needs);
- vectors: a flat and an IVF FAISS index read whole and with ``IO_FLAG_MMAP``, and a numpy memmap;
- bm25: paragraph postings of characters and pairs (the words jieba adds are left out: they add
  about a quarter to the postings) scored at query time from term frequencies, or from weights with
  the length normalisation folded in, against bm25s; and how far rankings move when the stored
  average length is stale;
- checksum: hashing speed, against a size + mtime + sampled-blocks fingerprint.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory; ``RssAnon`` leaves out mapped file pages, which the kernel can drop and share."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _p50(values: list[float]) -> float:
    return 1000 * statistics.median(values)


def chunk_rows(eval_dir: Path, size: int) -> list[tuple[str, str, int, int, int, str]]:
    """(article id, title, paragraph, start, end, text) of ``size`` synthetic chunks."""
    from synthetic import source_articles, synthetic_articles

    from index.chunking import chunk_article

    rows = []
    for article in synthetic_articles(source_articles(eval_dir), size):
        for c in chunk_article(article, 50, 200):
            rows.append((c.article_id, c.title, c.paragraph, c.start, c.end, c.text))
    return rows[:size]


# -- chunk metadata -------------------------------------------------------------------------------


def write_meta(rows: list[tuple[str, str, int, int, int, str]], folder: Path) -> dict[str, float]:
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    times: dict[str, float] = {}
    hashes = [hashlib.sha256(r[5].encode()).digest() for r in rows]
    articles = {aid: i for i, aid in enumerate(dict.fromkeys(r[0] for r in rows))}

    t0 = time.perf_counter()
    with (folder / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for i, (aid, title, para, start, end, text) in enumerate(rows):
            line = {"id": i, "hash": hashes[i].hex(), "article_id": aid, "title": title, "section": None,
                    "paragraph": para, "start": start, "end": end, "text": text}
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    times["jsonl"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    db = folder / "chunks.sqlite"
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE articles (idx INTEGER PRIMARY KEY, article_id TEXT UNIQUE)")
    con.execute("CREATE TABLE chunks (id INTEGER PRIMARY KEY, article INTEGER, paragraph INTEGER, start INTEGER, "
                "end INTEGER, text TEXT, hash BLOB)")
    con.executemany("INSERT INTO articles VALUES (?, ?)", [(i, a) for a, i in articles.items()])
    con.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(i, articles[r[0]], r[2], r[3], r[4], r[5], hashes[i]) for i, r in enumerate(rows)])
    con.execute("CREATE INDEX chunks_article ON chunks (article)")
    con.commit()
    con.close()
    times["sqlite"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    table = pa.table({
        "article": pa.array([articles[r[0]] for r in rows], pa.int32()),
        "paragraph": pa.array([r[2] for r in rows], pa.int32()),
        "start": pa.array([r[3] for r in rows], pa.int32()),
        "end": pa.array([r[4] for r in rows], pa.int32()),
        "text": pa.array([r[5] for r in rows], pa.string()),
        "hash": pa.array(hashes, pa.binary(32)),
    })
    feather.write_feather(table, folder / "chunks.arrow", compression="uncompressed")
    times["arrow"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pq.write_table(table, folder / "chunks.parquet")
    times["parquet"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    blob = [r[5].encode("utf-8") for r in rows]
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in blob])
    (folder / "npy").mkdir(exist_ok=True)
    (folder / "npy" / "text.bin").write_bytes(b"".join(blob))
    np.save(folder / "npy" / "offsets.npy", offsets)
    cols = np.array([(articles[r[0]], r[2], r[3], r[4]) for r in rows], dtype=np.int32)
    np.save(folder / "npy" / "columns.npy", cols)
    np.save(folder / "npy" / "hash.npy", np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(-1, 32))
    times["numpy"] = time.perf_counter() - t0
    return times


def open_meta(kind: str, folder: Path, n: int) -> dict[str, float]:
    """In a fresh process: open one format, then fetch 100 random chunks 200 times."""
    if kind in ("arrow", "parquet"):
        import pyarrow as pa
        import pyarrow.parquet as pq  # imported before the clock and the baseline memory: a library cost
    import_rss = rss_mb()
    ids_sets = [random.Random(i).sample(range(n), 100) for i in range(200)]
    t0 = time.perf_counter()
    if kind == "jsonl":
        with (folder / "chunks.jsonl").open(encoding="utf-8") as fh:
            table = [json.loads(line) for line in fh]

        def fetch(ids: list[int]) -> list[Any]:
            return [table[i] for i in ids]
    elif kind == "sqlite":
        con = sqlite3.connect(f"file:{folder / 'chunks.sqlite'}?mode=ro", uri=True)
        con.execute("SELECT count(*) FROM articles").fetchone()

        def fetch(ids: list[int]) -> list[Any]:
            marks = ",".join("?" * len(ids))
            return con.execute(f"SELECT id, article, paragraph, start, end, text FROM chunks WHERE id IN ({marks})",
                               ids).fetchall()
    elif kind in ("arrow", "parquet"):
        if kind == "arrow":
            table = pa.ipc.open_file(pa.memory_map(str(folder / "chunks.arrow"))).read_all()
        else:
            table = pq.read_table(folder / "chunks.parquet", memory_map=True)

        def fetch(ids: list[int]) -> list[Any]:
            return table.take(pa.array(ids)).to_pylist()  # type: ignore[no-any-return]
    else:
        text = np.memmap(folder / "npy" / "text.bin", dtype=np.uint8, mode="r")
        offsets = np.load(folder / "npy" / "offsets.npy", mmap_mode="r")
        cols = np.load(folder / "npy" / "columns.npy", mmap_mode="r")

        def fetch(ids: list[int]) -> list[Any]:
            return [(*cols[i].tolist(), bytes(text[offsets[i]:offsets[i + 1]]).decode("utf-8")) for i in ids]
    open_s = time.perf_counter() - t0
    opened = rss_mb()
    times = []
    for ids in ids_sets:
        t1 = time.perf_counter()
        fetch(ids)
        times.append(time.perf_counter() - t1)
    return {"open_ms": 1000 * open_s, "rss_open_mb": opened - import_rss, "fetch100_p50_ms": _p50(times),
            "rss_after_fetch_mb": rss_mb() - import_rss}


def disk(path: Path) -> float:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6
    return path.stat().st_size / 1e6


def part_meta(args: argparse.Namespace) -> None:
    names = {"jsonl": "chunks.jsonl", "sqlite": "chunks.sqlite", "arrow": "chunks.arrow",
             "parquet": "chunks.parquet", "numpy": "npy"}
    print(f"{'chunks':>8} {'format':>8} {'write s':>8} {'disk MB':>8} {'open ms':>9} {'RSS MB':>7} {'fetch100 ms':>11}")
    for size in [int(s) for s in args.sizes.split(",")]:
        folder = args.work / f"meta-{size}"
        rows = chunk_rows(args.eval_dir, size)
        written = write_meta(rows, folder)
        del rows
        for kind, name in names.items():
            out = subprocess.run([sys.executable, __file__, "_open_meta", kind, str(folder), str(size)],
                                 check=True, capture_output=True, text=True).stdout
            r = json.loads(out)
            print(f"{size:>8} {kind:>8} {written[kind]:>8.1f} {disk(folder / name):>8.0f} {r['open_ms']:>9.1f} "
                  f"{r['rss_open_mb']:>7.0f} {r['fetch100_p50_ms']:>11.2f}", flush=True)


# -- vectors --------------------------------------------------------------------------------------


def part_vectors(args: argparse.Namespace) -> None:
    import faiss

    print(f"{'n':>8} {'index':>10} {'read':>8} {'open ms':>8} {'RSS MB':>7} {'1st search ms':>13} {'warm p50 ms':>11} "
          f"{'RSS after':>9} {'anon':>6} {'rm 15 ms':>8} {'add 15 ms':>9}")
    for size in [int(s) for s in args.sizes.split(",")]:
        folder = args.work / f"vectors-{size}"
        folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)
        base = rng.standard_normal((size, 384), dtype=np.float32)
        base /= np.linalg.norm(base, axis=1, keepdims=True)
        np.save(folder / "vectors.npy", base)
        flat = faiss.IndexIDMap2(faiss.IndexFlatIP(384))
        flat.add_with_ids(base, np.arange(size, dtype=np.int64))
        faiss.write_index(flat, str(folder / "flat.faiss"))
        nlist = 2048 if size >= 500_000 else 512
        ivf = faiss.index_factory(384, f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT)
        ivf.train(base[: 50 * nlist])
        ivf.add(base)
        faiss.write_index(ivf, str(folder / "ivf.faiss"))
        del base, flat, ivf
        for index in ("flat", "ivf", "numpy"):
            for mode in (("whole", "mmap", "mmap_ifc") if index != "numpy" else ("mmap",)):
                out = subprocess.run([sys.executable, __file__, "_open_vectors", index, mode, str(folder)],
                                     check=True, capture_output=True, text=True).stdout
                r = json.loads(out)
                print(f"{size:>8} {index:>10} {mode:>8} {r['open_ms']:>8.1f} {r['rss_mb']:>7.0f} "
                      f"{r['first_ms']:>13.1f} {r['warm_ms']:>11.2f} {r['rss_after_mb']:>9.0f} "
                      f"{r['anon_after_mb']:>6.0f} "
                      f"{r.get('remove15_ms', float('nan')):>8.1f} {r.get('add15_ms', float('nan')):>9.1f}", flush=True)


def open_vectors(index: str, mode: str, folder: Path) -> dict[str, float]:
    import faiss

    faiss.omp_set_num_threads(1)
    before, anon_before = rss_mb(), rss_mb("RssAnon")
    t0 = time.perf_counter()
    if index == "numpy":
        matrix = np.load(folder / "vectors.npy", mmap_mode="r")

        def search(q: np.ndarray) -> Any:
            return np.argpartition(-(matrix @ q), 50)[:50]
    else:
        # IO_FLAG_MMAP maps what the reader supports; IO_FLAG_MMAP_IFC (FAISS ≥ 1.9) maps flat codes and
        # IVF lists in place, without a copy.
        flags = {"whole": 0, "mmap": faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY,
                 "mmap_ifc": faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY}[mode]
        idx = faiss.read_index(str(folder / f"{index}.faiss"), flags)
        if index == "ivf":
            faiss.extract_index_ivf(idx).nprobe = 16

        def search(q: np.ndarray) -> Any:
            return idx.search(q[None, :], 50)
    open_ms = 1000 * (time.perf_counter() - t0)
    rss = rss_mb() - before
    q = np.random.default_rng(1).standard_normal((101, 384)).astype(np.float32)
    t0 = time.perf_counter()
    search(q[0])
    first = 1000 * (time.perf_counter() - t0)
    warm = []
    for row in q[1:]:
        t1 = time.perf_counter()
        search(row)
        warm.append(time.perf_counter() - t1)
    result = {"open_ms": open_ms, "rss_mb": rss, "first_ms": first, "warm_ms": _p50(warm),
              "rss_after_mb": rss_mb() - before, "anon_after_mb": rss_mb("RssAnon") - anon_before}
    if index != "numpy" and mode == "whole":
        # What one article costs an in-memory index: remove its 15 chunks, add 15 new ones.
        if index == "ivf":
            faiss.extract_index_ivf(idx).set_direct_map_type(faiss.DirectMap.Hashtable)
        ids = np.arange(1000, 1015, dtype=np.int64)
        t0 = time.perf_counter()
        idx.remove_ids(ids)
        result["remove15_ms"] = 1000 * (time.perf_counter() - t0)
        t0 = time.perf_counter()
        idx.add_with_ids(q[:15], ids)
        result["add15_ms"] = 1000 * (time.perf_counter() - t0)
    return result


# -- checksums ------------------------------------------------------------------------------------


def fingerprint(path: Path, blocks: int = 16, block: int = 1 << 16) -> str:
    """Size, mtime and a hash of evenly spaced blocks: catches truncation and most overwrites cheaply."""
    st = path.stat()
    digest = hashlib.blake2b(f"{st.st_size}:{st.st_mtime_ns}".encode(), digest_size=16)
    with path.open("rb") as fh:
        for k in range(blocks):
            fh.seek(max(0, (st.st_size - block) * k // max(1, blocks - 1)))
            digest.update(fh.read(block))
    return digest.hexdigest()


def part_checksum(args: argparse.Namespace) -> None:
    path = args.work / "checksum-1GB.bin"
    if not path.exists() or path.stat().st_size != 1 << 30:
        with path.open("wb") as fh:
            for _ in range(64):
                fh.write(os.urandom(1 << 24))
    path.read_bytes()  # into the page cache: start-up reads a recently written index
    for name, fn in (("sha256", lambda: _hash_file(path, hashlib.sha256())),
                     ("blake2b", lambda: _hash_file(path, hashlib.blake2b())),
                     ("crc32", lambda: _crc_file(path)),
                     ("fingerprint (size+mtime+16x64KB)", lambda: fingerprint(path))):
        t0 = time.perf_counter()
        fn()
        print(f"{name:>34}: {time.perf_counter() - t0:.3f} s for 1 GiB", flush=True)


def _hash_file(path: Path, digest: Any) -> str:
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return str(digest.hexdigest())


def _crc_file(path: Path) -> int:
    crc = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            crc = zlib.crc32(block, crc)
    return crc


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_open_meta":
        print(json.dumps(open_meta(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_open_vectors":
        print(json.dumps(open_vectors(sys.argv[2], sys.argv[3], Path(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("meta", "vectors", "bm25", "checksum"))
    parser.add_argument("--eval-dir", type=Path)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--sizes", default="100000,1000000")
    args = parser.parse_args()
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
    if args.part == "bm25":
        from bm25_choice import part_bm25

        part_bm25(args)
    else:
        {"meta": part_meta, "vectors": part_vectors, "checksum": part_checksum}[args.part](args)
    print(f"peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
