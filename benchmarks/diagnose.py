"""Why each question of a JSONL set passes or fails: the evidence behind every answer, one JSON line each.

    python benchmarks/diagnose.py QUESTIONS.jsonl ARTICLES_DIR [--out FILE] [--index DIR]

For every question: its labels, whether it passes at 3 quotes, the answer (speaker path or search,
with the note), and the five best passages with their confidence, lexical and dense scores and
whether the expected text is in them. The index is built in a temporary folder (or DIR, reused when
it exists); embeddings come from the configured cache.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bot.config import load_settings
from bot.runtime import embedder_for, engine_settings
from index import store
from index.datasets import load_jsonl
from index.engine import QuoteEngine
from index.evaluation import passes
from index.results import NotFound


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("articles", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="write JSON lines here (default: stdout)")
    parser.add_argument("--index", type=Path, default=None, help="index folder to build or reuse")
    args = parser.parse_args()
    settings = load_settings(None)
    with tempfile.TemporaryDirectory(prefix="quotebot-diagnose-") as tmp:
        index_dir = args.index or Path(tmp) / "index"
        base = engine_settings(settings)
        engine_config = type(base)(**{**base.__dict__, "index_dir": index_dir, "articles_dir": args.articles})
        if store.exists(index_dir):
            engine = QuoteEngine.open(engine_config, embedder_for(settings))
        else:
            engine = QuoteEngine(engine_config, embedder_for(settings))
            engine.rebuild([args.articles])
        out = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
        for case in load_jsonl(args.questions):
            answer, ranked = engine.ask_ranked(case.question, top_k=3, depth=5)
            quotes = [q.text for q in answer.quotes]
            spoken = any(q.speaker is not None for q in answer.quotes) and all(
                q.score == round(1.0 / (1 + i), 4) for i, q in enumerate(answer.quotes)
            )
            reason = answer.reason.value if isinstance(answer, NotFound) else None
            asked = answer.asked if isinstance(answer, NotFound) else None
            passages = []
            for hit in ranked[:5]:
                text = engine.searcher.data.articles[hit.article_id].paragraphs[hit.paragraph].text
                passages.append({
                    "article": hit.article_id, "paragraph": hit.paragraph,
                    "confidence": round(hit.confidence, 3), "lexical": round(hit.lexical, 3),
                    "dense": round(hit.dense, 3), "holds_expect": bool(case.expect and case.expect in text),
                })
            row = {
                "q": case.question, "kind": case.kind, "expect": case.expect, "article": case.article,
                "speaker": case.speaker, "pass@3": passes(case, answer.found, quotes, 3), "found": answer.found,
                "path": "speaker" if spoken or asked else "search",
                "reason": reason, "asked": asked, "quotes": quotes,
                "quote_speakers": [q.speaker.name if q.speaker else None for q in answer.quotes],
                "terms": engine.searcher.prepare(case.question).terms, "passages": passages,
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        if args.out:
            out.close()


if __name__ == "__main__":
    main()
