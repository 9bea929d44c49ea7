"""Dump the evidence behind "not found" decisions on corpora of every size (run by hand).

    python benchmarks/not_found_data.py EVAL_DIR OUT.jsonl [--scenarios big,single,news,seed] [--articles N]

EVAL_DIR holds cmrc2018_dev.json, drcd_dev.json, seed_dev.jsonl and news/ (the shared evaluation data).
For every question asked, one JSON line: the scenario, the set, whether the question is answerable,
the rank of its own paragraph (SQuAD sets), and for the three best passages their text (title,
section and paragraph, simplified), their evidence (index.evidence), the current confidence and
scores, and whether the passage holds the answer.

Scenarios: ``big`` indexes a whole dev set (and asks benchmarks/unanswerable.jsonl against it);
``single`` indexes one article at a time and asks its own questions, another article's and a few
unanswerable ones; ``news`` indexes the news articles together and one at a time; ``seed`` the sample
article. Question vectors are embedded once in batches; passage vectors come from the embedding cache.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from bot.config import load_settings
from bot.runtime import embedder_for, engine_settings
from index.articles import collect_files, load_articles
from index.datasets import load_jsonl, load_squad
from index.embedders import Embedder
from index.engine import QuoteEngine
from index.evidence import measure
from index.normalization import to_simplified
from index.records import CleanArticle

ROOT = Path(__file__).resolve().parent.parent


class CachedQueries:
    """An embedder whose question vectors are computed once, in batches."""

    def __init__(self, inner: Embedder, keep: Path | None = None) -> None:
        self.inner = inner
        self.keep = keep
        self.vectors: dict[str, np.ndarray] = {}
        if keep is not None and keep.is_file():
            with np.load(keep) as stored:
                self.vectors = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def warm(self, texts: Iterable[str]) -> None:
        missing = sorted({t for t in texts if t not in self.vectors})
        for i in range(0, len(missing), 64):
            batch = missing[i : i + 64]
            for text, vector in zip(batch, self.inner.encode_queries(batch), strict=True):
                self.vectors[text] = vector
        if missing and self.keep is not None:
            texts = list(self.vectors)
            np.savez(self.keep, texts=np.array(texts), vectors=np.stack([self.vectors[t] for t in texts]))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.warm(texts)
        return np.stack([self.vectors[t] for t in texts])

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_passages(texts)


@dataclasses.dataclass
class Case:
    question: str
    golds: tuple[str, ...] | None  # None: nothing answers it
    own: tuple[str, int] | None = None  # (article id, paragraph) of a SQuAD question
    kind: str | None = None


def ask(engine: QuoteEngine, case: Case, scenario: str, dataset: str, group: str, out: TextIO) -> None:
    searcher = engine.searcher
    query = searcher.prepare(case.question)
    hits = searcher.search(query, 10)
    keys = [(h.article_id, h.paragraph) for h in hits]
    rank = keys.index(case.own) + 1 if case.own in keys else None
    rows = []
    for hit in hits[:3]:
        record = searcher.data.articles[hit.article_id]
        paragraph = record.paragraphs[hit.paragraph]
        text = paragraph.text
        topic = to_simplified(f"{record.title}\n{paragraph.section or ''}").lower()
        folded = f"{topic}\n{searcher.folded(searcher.position(hit.article_id, hit.paragraph))}"
        assert query.question is not None
        evidence = measure(query.question, folded, hit.dense)
        rows.append({
            "label": bool(case.golds) and any(g in text for g in case.golds or ()),
            "passage": folded,
            "dense": round(hit.dense, 5),
            "evidence": [round(v, 4) for v in evidence.vector()],
            "confidence": round(hit.confidence, 4),
            "lexical": round(hit.lexical, 4),
            "score": round(hit.score, 4),
        })
    spoken = engine.attribution.answer(case.question) is not None
    line = {
        "scenario": scenario, "set": dataset, "group": group, "q": case.question, "kind": case.kind,
        "answerable": case.golds is not None, "rank": rank, "speaker_path": spoken,
        "asks": query.question.asks if query.question else None, "hits": rows,
    }
    out.write(json.dumps(line, ensure_ascii=False) + "\n")


def squad_cases(path: Path) -> tuple[list[CleanArticle], dict[str, list[Case]]]:
    data = load_squad(path)
    by_article: dict[str, list[Case]] = {}
    for q in data.questions:
        by_article.setdefault(q.article_id, []).append(Case(q.question, q.answers, (q.article_id, q.paragraph)))
    return data.articles, by_article


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--scenarios", default="big,single,news,seed")
    parser.add_argument("--articles", type=int, default=400, help="single-article corpora per SQuAD set")
    parser.add_argument("--query-vectors", type=Path, default=None, help="keep question vectors in this .npz")
    args = parser.parse_args()
    scenarios = set(args.scenarios.split(","))
    settings = load_settings(None)
    embedder = CachedQueries(embedder_for(settings), args.query_vectors)
    unanswerable = [Case(c.question, None) for c in load_jsonl(ROOT / "benchmarks" / "unanswerable.jsonl")]
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="quotebot-notfound-") as tmp, args.out.open("w", encoding="utf-8") as out:
        base = engine_settings(settings)

        def fresh(name: str) -> QuoteEngine:
            config = dataclasses.replace(base, index_dir=Path(tmp) / name)
            return QuoteEngine(config, embedder)

        def log(message: str) -> None:
            print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)

        for dataset in ("cmrc2018_dev", "drcd_dev") if scenarios & {"big", "single"} else ():
            articles, by_article = squad_cases(args.eval_dir / f"{dataset}.json")
            embedder.warm(c.question for cases in by_article.values() for c in cases)
            embedder.warm(c.question for c in unanswerable)
            if "big" in scenarios:
                log(f"{dataset}: whole set")
                engine = fresh(f"{dataset}-big")
                engine.build_from_articles(articles)
                for cases in by_article.values():
                    for case in cases:
                        ask(engine, case, "big", dataset, case.own[0] if case.own else "", out)
                for case in unanswerable:
                    ask(engine, case, "big", dataset, "unanswerable", out)
            if "single" in scenarios:
                chosen = rng.sample(articles, min(args.articles, len(articles)))
                log(f"{dataset}: {len(chosen)} single-article corpora")
                for i, article in enumerate(chosen):
                    engine = fresh(f"{dataset}-single")
                    engine.build_from_articles([article])
                    own = by_article.get(article.article_id, [])
                    other = by_article.get(rng.choice(articles).article_id, [])
                    for case in own:
                        ask(engine, case, "single", dataset, article.article_id, out)
                    for case in other[:3]:
                        if case.own and case.own[0] != article.article_id:
                            ask(engine, Case(case.question, None), "single-other", dataset, article.article_id, out)
                    for case in rng.sample(unanswerable, 2):
                        ask(engine, case, "single-unanswerable", dataset, article.article_id, out)
                    if i % 50 == 0:
                        log(f"  {i}")
        news_dir = args.eval_dir / "news"
        if "news" in scenarios and news_dir.is_dir():
            labelled = load_jsonl(news_dir / "questions.jsonl")
            embedder.warm(c.question for c in labelled)
            files = [p for p in collect_files([news_dir]) if p.suffix == ".txt"]
            log("news: all articles")
            engine = fresh("news")
            engine.add_files(files)
            for c in labelled:
                golds = None if c.expect is None else (c.expect,)
                ask(engine, Case(c.question, golds, kind=c.kind), "news", "news", c.article or "", out)
            log("news: one article at a time")
            for path in files:
                engine = fresh("news-single")
                engine.add_files([path])
                for c in labelled:
                    if c.article == path.name:
                        ask(engine, Case(c.question, (c.expect,) if c.expect else None, kind=c.kind),
                            "news-single", "news", path.name, out)
                    elif c.expect is None:
                        ask(engine, Case(c.question, None, kind=c.kind), "news-single", "news", path.name, out)
        if "seed" in scenarios:
            labelled = load_jsonl(args.eval_dir / "seed_dev.jsonl")
            embedder.warm(c.question for c in labelled)
            engine = fresh("seed")
            sample: list[Any] = load_articles(ROOT / "articles" / "jiaodong-economic-circle.txt", "sample")
            engine.build_from_articles(sample)
            for c in labelled:
                ask(engine, Case(c.question, (c.expect,) if c.expect else None), "seed", "seed", "sample", out)
        log("done")


if __name__ == "__main__":
    main()
