"""Milvus spike (issue 13): what milvus-lite does here, and how fast, for the retrieval interface
(add chunks, delete an article, dense + sparse search with a filter, count) with BM25 kept on our side.

Run by hand in a virtualenv that has pymilvus and milvus-lite (it does not import the project):

    python benchmarks/milvus_spike.py VECTORS_DIR WORK_DIR [--sizes 10000,100000] [--index FLAT]

VECTORS_DIR is the output of ``real_vectors.py`` (chunk texts and real vectors; larger sizes cycle
through them with noise). BM25 is folded into the stored sparse vectors: a chunk stores, per term,
``tf / (tf + k1·(1 − b + b·len/avglen))`` and the question's sparse vector holds each term's idf, so
inner product is BM25 (the lucene variant that bm25s uses). Terms here are CJK characters and pairs,
enough to time the engine; the local backend adds jieba words. Every check prints OK or FAIL with the
one-line reason, then the timings.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

K1, B = 0.7, 0.5
COLLECTION = "chunks"
_CJK = re.compile(r"[\u3400-\u9fff]+")


def terms(text: str) -> list[str]:
    runs = _CJK.findall(text)
    return [c for r in runs for c in r] + [r[i : i + 2] for r in runs for i in range(len(r) - 1)]


def escape(value: str) -> str:
    """A string literal for a Milvus filter expression (backslash and double quote escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check(label: str, fn: Any) -> Any:
    try:
        result = fn()
        print(f"  OK    {label}" + (f": {result}" if result is not None else ""), flush=True)
        return result
    except Exception as exc:  # a spike reports every failure and goes on
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        print(f"  FAIL  {label}: {type(exc).__name__}: {first}", flush=True)
        return None


class Corpus:
    """n chunks: texts, vectors, and BM25 weights folded into sparse vectors."""

    def __init__(self, vectors_dir: Path, n: int) -> None:
        with (vectors_dir / "chunks.jsonl").open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        rng = np.random.default_rng(0)
        # Without the real vectors yet, random ones time the engine just as well.
        path = vectors_dir / "chunks.npy"
        real = np.load(path) if path.exists() else rng.standard_normal((len(rows), 384)).astype(np.float32)
        pick = np.arange(n) % len(rows)
        self.articles = [f"{rows[i]['article']}-{j // len(rows)}" for j, i in enumerate(pick)]
        self.texts = [rows[i]["text"] for i in pick]
        noise = rng.standard_normal((n, real.shape[1])).astype(np.float32) * 0.01
        dense = real[pick] + noise
        self.dense = dense / np.linalg.norm(dense, axis=1, keepdims=True)
        # Term 0 is never asked for: it stands in for a chunk without terms (Milvus rejects empty and
        # all-zero sparse vectors).
        self.vocab: dict[str, int] = {"\u2205": 0}
        counts = [Counter(terms(t)) for t in self.texts]
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        self.avglen = float(lengths.mean())
        self.df: Counter[int] = Counter()
        self.sparse: list[dict[int, float]] = []
        for c, length in zip(counts, lengths, strict=True):
            norm = K1 * (1 - B + B * length / self.avglen)
            vec = {self.vocab.setdefault(t, len(self.vocab)): tf / (tf + norm) for t, tf in c.items()} or {0: 1.0}
            self.df.update(vec.keys())
            self.sparse.append(vec)

    def query_sparse(self, text: str) -> dict[int, float]:
        n = len(self.texts)
        out = {}
        for t in set(terms(text)):
            tid = self.vocab.get(t)
            if tid is not None:
                df = self.df[tid]
                out[tid] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return out

    def bm25_exact(self, query: dict[int, float]) -> np.ndarray:
        return np.array([sum(w * doc.get(t, 0.0) for t, w in query.items()) for doc in self.sparse])


def create(client: Any, index_type: str) -> None:
    from pymilvus import DataType

    if client.has_collection(COLLECTION):
        client.drop_collection(COLLECTION)
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("article", DataType.VARCHAR, max_length=128)
    schema.add_field("paragraph", DataType.INT64)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=384)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    params = client.prepare_index_params()
    dense_params = {"nlist": 256} if index_type.startswith("IVF") else {"M": 16, "efConstruction": 64} \
        if index_type == "HNSW" else {}
    params.add_index(field_name="dense", index_type=index_type, metric_type="IP", params=dense_params)
    params.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    client.create_collection(COLLECTION, schema=schema, index_params=params)


def insert(client: Any, corpus: Corpus, start: int, stop: int) -> None:
    for lo in range(start, stop, 2000):
        hi = min(stop, lo + 2000)
        client.insert(COLLECTION, [
            {"id": i, "article": corpus.articles[i], "paragraph": i % 7, "dense": corpus.dense[i].tolist(),
             "sparse": corpus.sparse[i]}
            for i in range(lo, hi)
        ])


def count(client: Any, filter_text: str = "") -> int:
    rows = client.query(COLLECTION, filter=filter_text, output_fields=["count(*)"])
    return int(rows[0]["count(*)"])


def timed(fn: Any, repeats: int) -> float:
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def spike(args: argparse.Namespace, n: int) -> None:
    from pymilvus import MilvusClient

    db = args.work / f"milvus-{n}.db"
    for leftover in args.work.glob(f"milvus-{n}.db*"):
        if leftover.is_file():
            leftover.unlink()
    corpus = Corpus(args.vectors, n)
    print(f"{n} chunks, index {args.index}", flush=True)
    client = MilvusClient(str(db))
    if check(f"create collection (dense {args.index} + sparse inverted index, IP)",
             lambda: create(client, args.index)) is None and not client.has_collection(COLLECTION):
        return
    t0 = time.perf_counter()
    check("insert", lambda: insert(client, corpus, 0, n))
    insert_s = time.perf_counter() - t0
    check("count(*)", lambda: count(client))
    qv = corpus.dense[:: max(1, n // 200)][:100] + 0.02
    questions = [corpus.texts[i][:12] for i in range(0, n, max(1, n // 100))][:100]
    qsparse = [corpus.query_sparse(q) for q in questions]
    dense_ms = check("dense search k=50 (p50 ms)", lambda: timed(
        lambda i: client.search(COLLECTION, [qv[i].tolist()], anns_field="dense", limit=50,
                                search_params={"metric_type": "IP", "params": {"nprobe": 16}}), args.repeats))
    target = corpus.articles[n // 2]
    filt = f"article == {escape(target)}"
    check("dense search with filter (p50 ms)", lambda: timed(
        lambda i: client.search(COLLECTION, [qv[i].tolist()], anns_field="dense", limit=10, filter=filt),
        args.repeats))
    sparse_ms = check("sparse (BM25) search k=50 (p50 ms)", lambda: timed(
        lambda i: client.search(COLLECTION, [qsparse[i]], anns_field="sparse", limit=50,
                                search_params={"metric_type": "IP"}), args.repeats))

    def bm25_agrees() -> str:
        agree = 0
        for q in qsparse[: args.repeats]:
            got = client.search(COLLECTION, [q], anns_field="sparse", limit=10, search_params={"metric_type": "IP"})
            ids = [hit["id"] for hit in got[0]]
            assert ids, "no sparse results"
            exact = corpus.bm25_exact(q)
            top = set(np.argsort(-exact)[:10].tolist())
            agree += len(top & set(ids))
            if got[0]:
                assert abs(got[0][0]["distance"] - exact[ids[0]]) < 1e-3 * max(1.0, exact[ids[0]])
        return f"top-10 overlap with exact BM25 {agree / (10 * args.repeats):.3f}, scores equal"
    check("sparse inner product equals BM25 computed locally", bm25_agrees)

    odd = 'it\'s a "quoted" id \\ with backslash'
    client.insert(COLLECTION, [{"id": n + 1, "article": odd, "paragraph": 0, "dense": corpus.dense[0].tolist(),
                                "sparse": {0: 1.0}}])
    check("filter string with escaped quotes and backslash", lambda: count(client, f"article == {escape(odd)}"))
    check("filter template (filter_params)", lambda: client.query(
        COLLECTION, filter="article == {a}", filter_params={"a": odd}, output_fields=["id"], timeout=10))
    t0 = time.perf_counter()
    check("delete an article by filter", lambda: client.delete(COLLECTION, filter=f"article == {escape(target)}"))
    delete_ms = 1000 * (time.perf_counter() - t0)
    check("count after delete (that article)", lambda: count(client, f"article == {escape(target)}"))
    client.close()

    client = MilvusClient(str(db))
    check("search after reopening, before load_collection", lambda: len(client.search(
        COLLECTION, [qv[0].tolist()], anns_field="dense", limit=5)[0]))
    t0 = time.perf_counter()
    check("load_collection after reopening", lambda: client.load_collection(COLLECTION))
    load_s = time.perf_counter() - t0
    check("search after load_collection", lambda: len(client.search(
        COLLECTION, [qv[0].tolist()], anns_field="dense", limit=5)[0]))
    probe = (f"from pymilvus import MilvusClient; c = MilvusClient({str(db)!r}); "
             f"print(c.query({COLLECTION!r}, filter='', output_fields=['count(*)']))")
    second = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    reason = (second.stderr.strip().splitlines() or [""])[-1][:200]
    print(f"  {'OK  ' if second.returncode == 0 else 'FAIL'}  second process opens the same .db while the first "
          f"has it open: {second.stdout.strip()[:100] or reason}", flush=True)
    client.close()
    db_mb = sum(p.stat().st_size for p in args.work.rglob("*") if p.is_file() and db.name in str(p)) / 1e6
    print(f"  timings: insert {insert_s:.1f} s ({n / max(insert_s, 1e-9):.0f} chunks/s), dense p50 "
          f"{dense_ms if dense_ms is not None else float('nan'):.2f} ms, sparse p50 "
          f"{sparse_ms if sparse_ms is not None else float('nan'):.2f} ms, delete {delete_ms:.0f} ms, "
          f"load after restart {load_s:.2f} s, db {db_mb:.0f} MB",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vectors", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--index", default="FLAT", help="dense index: FLAT, IVF_FLAT, HNSW, AUTOINDEX")
    parser.add_argument("--repeats", type=int, default=20, help="searches timed per kind")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    import importlib.metadata as md

    print("pymilvus", md.version("pymilvus"), "milvus-lite", md.version("milvus-lite"), flush=True)
    for n in (int(s) for s in args.sizes.split(",")):
        spike(args, n)


if __name__ == "__main__":
    main()
