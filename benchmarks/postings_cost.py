"""What our BM25 postings (index/postings.py) cost at archive sizes, against bm25s (issue 13). Run by hand:

    nice -n 5 python benchmarks/postings_cost.py --eval-dir EVAL_DIR --work WORK [--sizes 100000] [--bm25s]

For each size: synthetic paragraphs (``synthetic.py``: varied copies of the dev sets' articles, as
many as hold that many chunks), their terms as characters and pairs (the words jieba adds are left
out to keep the benchmark fast: they add about a quarter to the postings); then

- build: one segment of every paragraph, in memory, and written (wall / CPU), and its size on disk;
- open: a fresh process imports index.postings and opens the segment (wall / CPU, RSS added), then
  scores the questions (RSS after: the pages they touched);
- score: p50 / p95 of ``Postings.score`` for real dev-set questions; with ``--bm25s``, bm25s's
  ``get_scores`` on the same terms, its build time, and the largest score difference;
- add: one more article written as its own segment (``write_segment``), then opened beside the big one
  and scored; ``max_term_score`` recomputed once over both segments; a merge of the two.
Keep WORK outside the repository.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from index.postings import Postings, merge, write_segment


def clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> str:
    wall, cpu = clocks()
    return f"{wall - start[0]:.3f} s / {cpu - start[1]:.3f} s"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def corpus(eval_dir: Path, size: int) -> tuple[list[list[str]], list[list[str]], int, list[str]]:
    """(paragraph terms, the last article's paragraph terms, chunks, questions)."""
    from synthetic import questions, source_articles, spread, synthetic_articles

    from index.chunking import chunk_article
    from index.normalization import character_terms, to_simplified

    docs: list[list[str]] = []
    chunks = 0
    articles = list(synthetic_articles(source_articles(eval_dir), size + 50))
    for article in articles:
        chunks += len(chunk_article(article, 50, 200))
        docs.append([])  # a marker: the article's paragraphs follow
        docs.extend(character_terms(to_simplified(p.text).lower()) for p in article.paragraphs)
    # The last article is the one added later; the markers are dropped.
    cut = len(docs) - 1 - docs[::-1].index([])
    last = [d for d in docs[cut + 1 :]]
    body = [d for d in docs[:cut] if d]
    return body, last, chunks, spread(questions(eval_dir), 300)


def query_terms_of(questions: list[str], vocabulary: Any) -> list[list[str]]:
    from index.normalization import query_terms, to_simplified

    return [query_terms(to_simplified(q).lower(), vocabulary) for q in questions]


def timings(fn: Any, items: list[Any]) -> tuple[float, float]:
    times = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - t0)
    times.sort()
    return 1000 * statistics.median(times), 1000 * times[int(0.95 * (len(times) - 1))]


def child_open(folder: Path, names: list[str], queries: Path) -> None:
    """In a fresh process: open the postings, score the questions, report time and memory."""
    before = rss_mb()
    start = clocks()
    p = Postings.open(folder, names)
    opened = since(start)
    after_open = rss_mb()
    asked = json.loads(queries.read_text(encoding="utf-8"))
    p50, p95 = timings(lambda terms: p.score([t for t in terms if t in p]), asked)
    print(json.dumps({"open": opened, "rss_open_mb": round(after_open - before, 1),
                      "rss_scored_mb": round(rss_mb() - before, 1), "score_p50_ms": round(p50, 2),
                      "score_p95_ms": round(p95, 2), "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                      // 1024}))


def measure(args: argparse.Namespace, size: int) -> None:
    work = Path(args.work) / f"postings-{size}"
    work.mkdir(parents=True, exist_ok=True)
    docs, last, chunks, questions = corpus(Path(args.eval_dir), size)
    postings = sum(len(set(d)) for d in docs)
    print(f"{chunks} chunks, {len(docs)} paragraphs, {postings} postings (+ an article of {len(last)} paragraphs)")

    start = clocks()
    built = Postings.build(docs)
    print(f"  build in memory: {since(start)}")
    start = clocks()
    written = built.save(work, "main")
    parts = ", ".join(f"{p.name.split('.')[1]} {p.stat().st_size / 1e6:.1f}" for p in written)
    print(f"  write: {since(start)}, {sum(p.stat().st_size for p in written) / 1e6:.1f} MB on disk ({parts})")

    asked = query_terms_of(questions, built)
    queries = work / "queries.json"
    queries.write_text(json.dumps(asked, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([sys.executable, __file__, "--child-open", str(work), "main", str(queries)],
                         capture_output=True, text=True, check=True)
    print(f"  fresh process, one segment: {out.stdout.strip()}")

    start = clocks()
    write_segment(work, "added", last)
    print(f"  add one article ({len(last)} paragraphs) as a segment: {since(start)}")
    start = clocks()
    two = Postings.open(work, ["main", "added"])
    print(f"  open both segments: {since(start)}")
    start = clocks()
    two.max_term_score()
    print(f"  max_term_score over both (once per open): {since(start)}")
    out = subprocess.run([sys.executable, __file__, "--child-open", str(work), "main,added", str(queries)],
                         capture_output=True, text=True, check=True)
    print(f"  fresh process, two segments: {out.stdout.strip()}")
    two.delete(range(len(two) - len(last), len(two)))
    start = clocks()
    merge(two.segments)
    print(f"  merge both (with the article's documents deleted): {since(start)}")

    if args.bm25s:
        import bm25s

        start = clocks()
        retriever = bm25s.BM25(method="lucene", k1=0.7, b=0.5)
        retriever.index([d or ["\u2205"] for d in docs], show_progress=False)
        print(f"  bm25s build: {since(start)}")
        vocab = retriever.vocab_dict
        known = [[t for t in terms if t in vocab] for terms in asked]
        p50, p95 = timings(lambda terms: retriever.get_scores(terms) if terms else None, known)
        ours = Postings.open(work, ["main"])
        o50, o95 = timings(lambda terms: ours.score(terms), known)
        worst = max(float(np.abs(ours.score(k)[0] - retriever.get_scores(k)).max()) for k in known[:100] if k)
        print(f"  score p50/p95 ms: bm25s {p50:.2f}/{p95:.2f}, postings {o50:.2f}/{o95:.2f}; "
              f"largest difference on 100 questions {worst:.1e}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-open":
        child_open(Path(sys.argv[2]), sys.argv[3].split(","), Path(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--bm25s", action="store_true", help="compare with bm25s (a test dependency)")
    args = parser.parse_args()
    for size in [int(s) for s in args.sizes.split(",")]:
        measure(args, size)


if __name__ == "__main__":
    main()
