"""BM25 of an index whose postings follow its segments, against the same postings merged into one.

Run by hand from the project root on an index that has had articles added (several segments):

    python benchmarks/postings_check.py --eval-dir EVAL_DIR --index INDEX [--questions 200]

Opens the index read-only, merges its postings into passage order (what a compaction or a full build
holds), and for the dev sets' questions compares per passage the raw BM25, the ceiling
(``max_term_score``) and ``max_idf``; prints the largest differences, and the scoring time (p50/p95,
CPU of this process) of both forms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    import numpy as np
    from synthetic import StandInEmbedder, questions

    from index import store
    from index.layout import Layout
    from index.manifest import read_manifest
    from index.normalization import query_terms
    from index.postings import Postings

    embedder = StandInEmbedder(None)
    data = store.load(args.index, embedder.name, embedder.dim)
    manifest = read_manifest(args.index)
    ours = data.bm25
    assert ours is not None
    layout = Layout(data)
    order = layout.passage_slot if layout.passage_slot is not None else np.arange(len(ours))
    t0 = time.process_time()
    merged = Postings([ours.merged(order).segments[0]])
    merge_cpu = time.process_time() - t0
    worst, worst_rel, times_ours, times_merged = 0.0, 0.0, [], []
    asked = questions(args.eval_dir)[: args.questions]
    for question in asked:
        terms = [t for t in query_terms(question, ours) if t in ours]
        if not terms:
            continue
        c0 = time.process_time()
        raw, best = ours.score(terms)
        raw = raw[order]
        c1 = time.process_time()
        other, other_best = merged.score(terms)
        c2 = time.process_time()
        times_ours.append(c1 - c0)
        times_merged.append(c2 - c1)
        worst = max(worst, float(np.abs(raw - other).max()), float(np.abs(np.subtract(best, other_best)).max()))
        worst_rel = max(worst_rel, float((np.abs(raw - other) / np.maximum(other, 1e-6)).max()))

    def ms(values: list[float], q: float) -> float:
        return round(1000 * sorted(values)[min(len(values) - 1, int(q * len(values)))], 3)

    print(json.dumps({
        "segments": len(manifest.segments), "documents": len(ours), "live": ours.live,
        "dead": len(ours) - ours.live, "questions": len(times_ours),
        "largest_score_difference": worst, "largest_relative_difference": worst_rel,
        "max_term_score": [ours.max_term_score(), merged.max_term_score()],
        "max_idf": [ours.max_idf(), merged.max_idf()],
        "score_p50_ms": [ms(times_ours, 0.5), ms(times_merged, 0.5)],
        "score_p95_ms": [ms(times_ours, 0.95), ms(times_merged, 0.95)],
        "score_mean_ms": [round(1000 * statistics.mean(times_ours), 3), round(1000 * statistics.mean(times_merged), 3)],
        "merge_cpu_s": round(merge_cpu, 3),
    }))


if __name__ == "__main__":
    main()
