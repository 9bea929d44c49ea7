"""Answer quality of the dev sets with each kind of vector index (issue 13: unchanged within 0.002).

    python benchmarks/ann_quality.py EVAL_DIR [--sets cmrc2018_dev,drcd_dev] [--kinds flat,hnsw,ivf]

The dev sets are small (about 8k chunks each), so the index keeps them flat (exact). This builds each
set once per kind with the size limits lowered so that the kind is used (``hnsw``: the graph above
``QuoteEngine.flat_limit`` chunks, lowered to 0; ``ivf``: inverted lists of 8-bit codes with exact
rescoring, above ``ivf_limit``, lowered to 0 as well), asks every question as ``quotebot eval`` does, and
prints passage_hit@1, quote_hit@1 and not_found_rate beside the flat row with the differences.
Latency is not comparable here (the embedding cache holds the questions' vectors after the first
kind); run it with ``nice``, it is a quality measurement.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

from bot.config import load_settings
from bot.runtime import embedder_for, engine_settings
from index.datasets import load_squad
from index.engine import QuoteEngine
from index.evaluation import evaluate_squad

METRICS = ("passage_hit@1", "quote_hit@1", "not_found_rate")


def engine_for(kind: str, index_dir: Path, config: Path) -> QuoteEngine:
    """A fresh engine whose build writes a vector index of ``kind``."""
    settings = load_settings(config)
    engine = QuoteEngine(dataclasses.replace(engine_settings(settings), index_dir=index_dir), embedder_for(settings))
    if kind == "hnsw":
        engine.flat_limit = 0
    elif kind == "ivf":
        engine.flat_limit = engine.ivf_limit = 0
    elif kind != "flat":
        raise SystemExit(f"Unknown kind '{kind}': use flat, hnsw or ivf.")
    return engine


def kind_written(index_dir: Path) -> Any:
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    return manifest["vector_index"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--sets", default="cmrc2018_dev,drcd_dev")
    parser.add_argument("--kinds", default="flat,hnsw,ivf")
    parser.add_argument("--config", type=Path, default=Path("config.yaml"))
    args = parser.parse_args()
    for name in args.sets.split(","):
        data = load_squad(args.eval_dir / f"{name}.json")
        rows: dict[str, dict[str, float]] = {}
        for kind in args.kinds.split(","):
            with tempfile.TemporaryDirectory(prefix="quotebot-ann-") as tmp:
                index_dir = Path(tmp) / "index"
                metrics, _ = evaluate_squad(engine_for(kind, index_dir, args.config), data)
                written = kind_written(index_dir)
            rows[kind] = {m: metrics[m] for m in METRICS}
            base = rows[next(iter(rows))]
            diffs = "  ".join(f"{m} {rows[kind][m]:.4f} ({rows[kind][m] - base[m]:+.4f})" for m in METRICS)
            print(f"{name}  {kind:5s} {written}  {diffs}", flush=True)


if __name__ == "__main__":
    main()
