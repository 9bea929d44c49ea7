"""What adding one article costs as the index grows (issue 2: it must not grow with the index,
apart from rebuilding BM25 statistics). Run by hand:

    python benchmarks/add_cost.py ../shared/eval/cmrc2018_dev.json

Indexes the first N articles of a SQuAD-layout file for several N, then adds one more article and
reports how many chunks were embedded and where the time went. A hashing embedder stands in for the
model so that the index sizes are cheap to build; with the bundled model the embedding of the new
article adds about one second per 1,000 characters, whatever N is.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index import store
from index.datasets import load_squad
from index.embedders import normalise_rows
from index.engine import EngineSettings, QuoteEngine
from index.records import CleanArticle
from index.snapshot import IndexData


class HashEmbedder:
    name = "bench:hash-384"
    dim = 384

    def __init__(self) -> None:
        self.embedded = 0

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for j in range(len(text) - 1):
                h = int.from_bytes(hashlib.blake2b(text[j : j + 2].encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1
        return normalise_rows(out)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += len(texts)
        return self._encode(texts)


_REAL_SAVE = store.save
SAVES: list[float] = []


def _timed_save(index_dir: Path, data: IndexData, *limits: int) -> int:
    t0 = time.perf_counter()
    generation = _REAL_SAVE(index_dir, data, *limits)
    SAVES.append(time.perf_counter() - t0)
    return generation


def main() -> None:
    parser = argparse.ArgumentParser(description="Cost of adding one article vs index size.")
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--sizes", default="50,200,800")
    args = parser.parse_args()
    articles = load_squad(args.dataset).articles
    print(f"{'articles':>8} {'chunks':>7} {'embedded':>8} {'add s':>7} {'save s':>7}")
    for size in [int(s) for s in args.sizes.split(",")]:
        base, extra = articles[:size], articles[size]
        with tempfile.TemporaryDirectory() as tmp:
            embedder = HashEmbedder()
            settings = EngineSettings(Path(tmp) / "index", Path(tmp) / "cache", Path(tmp))
            engine = QuoteEngine(settings, embedder)
            engine.build_from_articles(base)
            before = embedder.embedded
            # The new article arrives as a file, the way `quotebot index add` gets it.
            path = Path(tmp) / "new.txt"
            path.write_text(_as_text(extra), encoding="utf-8")
            SAVES.clear()
            store.save = _timed_save  # type: ignore[assignment]
            t0 = time.perf_counter()
            engine.add_files([path])
            elapsed = time.perf_counter() - t0
            store.save = _REAL_SAVE
            chunks = engine.stats()["chunks"]
            print(f"{size:>8} {chunks:>7} {embedder.embedded - before:>8} {elapsed:>7.2f} {SAVES[0]:>7.2f}")


def _as_text(article: CleanArticle) -> str:
    return article.title + "\n\n" + "\n\n".join(p.text for p in article.paragraphs) + "\n"


if __name__ == "__main__":
    main()
