"""BM25 that updates in O(article): paragraph postings scored at query time (issue 13).

Used by ``storage_choice.py bm25``: postings of characters and pairs (the words jieba adds are left out:
they add about a quarter to the postings) scored from term frequencies or from weights with the length
normalisation folded in, against bm25s, and how far rankings move when the folded average length is stale.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def _p50(values: list[float]) -> float:
    return 1000 * statistics.median(values)


class Postings:
    """Term → (paragraph, tf) postings in CSC layout, with paragraph lengths and document frequencies."""

    def __init__(self, docs: list[list[str]]) -> None:
        from collections import Counter

        self.vocab: dict[str, int] = {}
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        tfs: list[np.ndarray] = []
        self.lengths = np.array([len(d) for d in docs], dtype=np.float32)
        for i, doc in enumerate(docs):
            counts = Counter(doc)
            cols.append(np.array([self.vocab.setdefault(t, len(self.vocab)) for t in counts], dtype=np.int32))
            tfs.append(np.fromiter(counts.values(), dtype=np.uint16, count=len(counts)))
            rows.append(np.full(len(counts), i, dtype=np.int32))
        col, row, tf = np.concatenate(cols), np.concatenate(rows), np.concatenate(tfs)
        order = np.argsort(col, kind="stable")
        self.doc, self.tf = row[order], tf[order]
        self.indptr = np.zeros(len(self.vocab) + 1, dtype=np.int64)
        self.indptr[1:] = np.cumsum(np.bincount(col, minlength=len(self.vocab)))
        self.n = len(docs)
        self.df = np.diff(self.indptr).astype(np.float32)
        self.idf = np.log(1 + (self.n - self.df + 0.5) / (self.df + 0.5)).astype(np.float32)

    def folded(self, k1: float, b: float, avglen: float) -> np.ndarray:
        """Per posting, tf / (tf + k1·(1 − b + b·len/avglen)): BM25 without the idf."""
        tf = self.tf.astype(np.float32)
        return tf / (tf + k1 * (1 - b + b * self.lengths[self.doc] / avglen))

    def scores_tf(self, cols: list[int], k1: float, b: float) -> np.ndarray:
        """BM25 from raw term frequencies, computed at query time."""
        avglen = float(self.lengths.mean())
        parts = [np.arange(self.indptr[c], self.indptr[c + 1]) for c in cols]
        if not parts:
            return np.zeros(self.n, dtype=np.float32)
        sel = np.concatenate(parts)
        doc = self.doc[sel]
        tf = self.tf[sel].astype(np.float32)
        w = np.repeat(self.idf[cols], [len(p) for p in parts])
        norm = k1 * (1 - b + b * self.lengths[doc] / avglen)
        return np.bincount(doc, weights=w * tf / (tf + norm), minlength=self.n)

    def scores_folded(self, cols: list[int], weights: np.ndarray) -> np.ndarray:
        """BM25 from stored folded weights: a gather and a weighted bincount."""
        parts = [np.arange(self.indptr[c], self.indptr[c + 1]) for c in cols]
        if not parts:
            return np.zeros(self.n, dtype=np.float32)
        sel = np.concatenate(parts)
        w = np.repeat(self.idf[cols], [len(p) for p in parts])
        return np.bincount(self.doc[sel], weights=w * weights[sel], minlength=self.n)


def part_bm25(args: argparse.Namespace) -> None:
    from synthetic import questions, source_articles, spread, synthetic_articles

    from index.chunking import chunk_article
    from index.normalization import character_terms, query_terms, to_simplified

    k1, b = 0.7, 0.5
    asked = spread(questions(args.eval_dir), 300)
    print(f"{'chunks':>8} {'paras':>7} {'postings':>9} {'method':>20} {'build s':>8} {'MB':>6} {'p50 ms':>7} "
          f"{'p95 ms':>7}")
    for size in [int(s) for s in args.sizes.split(",")]:
        total, docs = 0, []
        for article in synthetic_articles(source_articles(args.eval_dir), size):
            total += len(chunk_article(article, 50, 200))
            docs.extend(character_terms(to_simplified(p.text).lower()) for p in article.paragraphs)
        t0 = time.perf_counter()
        post = Postings(docs)
        build = time.perf_counter() - t0
        folded = post.folded(k1, b, float(post.lengths.mean())).astype(np.float16)
        mb = (post.doc.nbytes + post.tf.nbytes + post.indptr.nbytes + post.lengths.nbytes) / 1e6
        qcols = [[post.vocab[t] for t in query_terms(q, post.vocab) if t in post.vocab] for q in asked]
        print(f"  {total} chunks: vocabulary {len(post.vocab)} terms, mean paragraph {post.lengths.mean():.0f} terms",
              flush=True)
        label = f"{total:>8} {len(docs):>7} {len(post.doc):>9}"
        for method in ("tf postings", "folded float16"):
            times = []
            for cols in qcols:
                t1 = time.perf_counter()
                if method == "tf postings":
                    post.scores_tf(cols, k1, b)
                else:
                    post.scores_folded(cols, folded)
                times.append(time.perf_counter() - t1)
            times.sort()
            extra = folded.nbytes / 1e6 if method.startswith("folded") else 0.0
            print(f"{label} {method:>20} {build:>8.1f} {mb + extra:>6.0f} {_p50(times):>7.2f} "
                  f"{1000 * times[int(0.95 * len(times))]:>7.2f}", flush=True)
        # How much a stale average length moves the ranking (folded weights written at another avglen).
        exact = [post.scores_tf(c, k1, b) for c in qcols[:100]]
        for drift in (0.9, 0.75, 0.5):
            stale = post.folded(k1, b, float(post.lengths.mean()) * drift)
            top1 = top10 = 0.0
            for cols, ref in zip(qcols[:100], exact, strict=True):
                got = post.scores_folded(cols, stale)
                # By score, not by id: repeated paragraphs of the synthetic archive tie in any order.
                top1 += float(ref[np.argmax(got)] >= ref.max() - 1e-4)
                tenth = np.sort(ref)[-10]
                top10 += float(np.sum(ref[np.argsort(-got)[:10]] >= tenth - 1e-4)) / 10
            print(f"{label} {'avglen stale x' + str(drift):>20}  top-1 same {top1 / 100:.2f}, top-10 overlap "
                  f"{top10 / 100:.3f}", flush=True)
        if size <= 200_000:
            bm25s = _bm25s_time(docs, qcols, post, k1, b)
            print(f"{label} {'bm25s (today)':>20} {bm25s[0]:>8.1f} {bm25s[1]:>6.0f} {bm25s[2]:>7.2f} {bm25s[3]:>7.2f}"
                  f"  (postings scores = bm25s within {bm25s[4]:.1e})", flush=True)


def _bm25s_time(docs: list[list[str]], qcols: list[list[int]], post: Postings, k1: float, b: float
                ) -> tuple[float, float, float, float, float]:
    import bm25s

    inverse = {i: t for t, i in post.vocab.items()}
    t0 = time.perf_counter()
    retriever = bm25s.BM25(method="lucene", k1=k1, b=b)
    retriever.index([d or ["\u2205"] for d in docs], show_progress=False)
    build = time.perf_counter() - t0
    mb = sum(np.asarray(v).nbytes for v in retriever.scores.values() if hasattr(v, "nbytes")) / 1e6
    times, diff = [], 0.0
    for cols in qcols:
        terms = [inverse[c] for c in cols]
        t1 = time.perf_counter()
        got = retriever.get_scores(terms)
        times.append(time.perf_counter() - t1)
        # The same BM25 (lucene idf and saturation) from our postings: the largest relative difference.
        ours = post.scores_tf(cols, k1, b)
        diff = max(diff, float(np.max(np.abs(got - ours)) / max(float(np.max(np.abs(got))), 1e-9)))
    times.sort()
    return build, mb, _p50(times), 1000 * times[int(0.95 * len(times))], diff
