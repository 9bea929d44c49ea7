"""Article extraction from saved news pages: QuoteBot vs trafilatura vs gne, side by side.

Usage (from the project root, in the project's virtualenv):

    python benchmarks/extraction.py PAGES_DIR [--out DIR] [--fails]

PAGES_DIR holds the pages and a ``gold.jsonl`` (``page``, ``title``, ``date``, ``first``, ``last``,
``must_not``). QuoteBot is measured as a user sees what was indexed: the pages are indexed with
``quotebot index build`` into a temporary index (with a hashing embedder: extraction does not depend
on the model), and each page is read back with ``quotebot index show ID --json``; the body is its
paragraphs joined, the title and date are the JSON's. The row "QuoteBot (load_articles)" reads the
same pages through ``load_articles`` directly, to show both paths agree. trafilatura gets the raw
bytes (``bare_extraction``), gne the page decoded as UTF-8 (falling back to GB18030). Scoring
follows the gold set's rules: title equal after whitespace normalisation, date equal as YYYY-MM-DD,
``first``/``last`` contained in the body and no ``must_not`` string in it, all with whitespace
deleted. ``--out`` writes each extractor's predictions as JSON lines (the gold set's own scorer
reads them); ``--fails`` lists the failing pages.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.articles import load_articles  # noqa: E402
from index.errors import QuoteBotError  # noqa: E402

FIELDS = ("title", "date", "first", "last", "clean")
_WS = re.compile(r"[\s\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]+")
_DATE = re.compile(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
Prediction = dict[str, str | None]


def _norm(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def _flat(text: str | None) -> str:
    return _WS.sub("", text or "")


def _date(text: str | None) -> str | None:
    match = _DATE.search(text or "")
    if not match:
        return None
    year, month, day = map(int, match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def score(gold: dict[str, object], prediction: Prediction) -> dict[str, bool]:
    body = _flat(prediction.get("body"))
    must_not = gold["must_not"]
    assert isinstance(must_not, list)
    return {
        "title": _norm(prediction.get("title")) == _norm(str(gold["title"])),
        "date": _date(prediction.get("date")) == gold["date"],
        "first": _flat(str(gold["first"])) in body,
        "last": _flat(str(gold["last"])) in body,
        "clean": not any(_flat(m) in body for m in must_not),
    }


def quotebot(path: Path) -> Prediction:
    articles = load_articles(path, "page")
    first = articles[0]
    body = "\n".join(p.text for a in articles for p in a.paragraphs)
    return {"title": first.title, "date": first.date, "body": body}


class _HashEmbedder:
    """Character-bigram hashing vectors: indexing needs an embedder, extraction does not need a model."""

    name = "bench:hash-64"
    dim = 64

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for a, b in zip(text, text[1:], strict=False):
                rows[i, zlib.crc32((a + b).encode()) % self.dim] += 1.0
        rows[:, 0] += 1e-3
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    encode_queries = encode_passages = _encode


def quotebot_cli(pages: Path) -> Callable[[Path], Prediction]:
    """Index every page with `quotebot index build`, then read each back with `quotebot index show --json`."""
    import tempfile

    from click.testing import CliRunner

    import bot.runtime
    from bot.cli import cli

    embedder = _HashEmbedder()
    bot.runtime.embedder_for = lambda settings: embedder  # type: ignore[assignment]
    scratch = Path(tempfile.mkdtemp(prefix="quotebot-extraction-"))
    config = scratch / "config.yaml"
    config.write_text(f"paths:\n  articles: {pages}\n  index: {scratch / 'index'}\n  cache: {scratch / 'cache'}\n",
                      encoding="utf-8")

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--config", str(config), *args])
        if result.exit_code != 0:
            raise RuntimeError(f"quotebot {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    by_page: dict[str, list[str]] = {}

    def extract(path: Path) -> Prediction:
        if not by_page:
            # Built on the first page, so the time per page includes indexing.
            run("index", "build", str(pages))
            # A page holding several articles gets ids id, id-2…: their bodies are joined.
            for article in json.loads(run("index", "list", "--json")):
                by_page.setdefault(Path(article["source"]).name, []).append(article["article_id"])
        shown = [json.loads(run("index", "show", aid, "--json")) for aid in by_page.get(path.name, [])]
        if not shown:
            return {}
        body = "\n".join(p["text"] for article in shown for p in article["paragraphs"])
        return {"title": shown[0]["title"], "date": shown[0]["date"], "body": body}

    return extract


def trafilatura_page(path: Path) -> Prediction:
    import trafilatura

    document = trafilatura.bare_extraction(path.read_bytes(), with_metadata=True)
    if document is None:
        return {}
    return {"title": document.title, "date": document.date, "body": document.text}


def gne_page(path: Path) -> Prediction:
    from gne import GeneralNewsExtractor

    data = path.read_bytes()
    try:
        html = data.decode("utf-8")
    except UnicodeDecodeError:
        html = data.decode("gb18030", errors="replace")
    result = GeneralNewsExtractor().extract(html)
    return {"title": result["title"], "date": result["publish_time"], "body": result["content"]}


def extractors(pages: Path) -> dict[str, Callable[[Path], Prediction]]:
    return {
        "QuoteBot (index show --json)": quotebot_cli(pages),
        "QuoteBot (load_articles)": quotebot,
        "trafilatura": trafilatura_page,
        "gne": gne_page,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", type=Path, help="folder with the pages and gold.jsonl")
    parser.add_argument("--out", type=Path, help="write each extractor's predictions here as JSON lines")
    parser.add_argument("--fails", action="store_true", help="list the pages that fail each measure")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    gold = [json.loads(line) for line in (args.pages / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line]
    rows: list[tuple[str, dict[str, float], float, dict[str, list[str]]]] = []
    for name, extract in extractors(args.pages).items():
        passed = {field: 0 for field in (*FIELDS, "body_all")}
        fails: dict[str, list[str]] = {field: [] for field in FIELDS}
        predictions: list[dict[str, object]] = []
        started = time.perf_counter()
        for entry in gold:
            page = str(entry["page"])
            try:
                prediction = extract(args.pages / page)
            except (QuoteBotError, Exception) as exc:  # noqa: BLE001 - a library failing on a page scores zero
                print(f"{name}: {page}: {type(exc).__name__}: {exc}", file=sys.stderr)
                prediction = {}
            predictions.append({"page": page, **prediction})
            result = score(entry, prediction)
            for field in FIELDS:
                passed[field] += result[field]
                if not result[field]:
                    fails[field].append(page)
            passed["body_all"] += result["first"] and result["last"] and result["clean"]
        seconds = (time.perf_counter() - started) / len(gold)
        rows.append((name, {k: v / len(gold) for k, v in passed.items()}, seconds, fails))
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            lines = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in predictions)
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            (args.out / f"{slug}.jsonl").write_text(lines, encoding="utf-8")
    print(f"{len(gold)} pages in {args.pages}\n")
    print("| extractor | title | date | first | last | clean | body_all | s/page |")
    print("|---|---|---|---|---|---|---|---|")
    for name, rates, seconds, _ in rows:
        cells = " | ".join(f"{rates[f]:.2f}" for f in (*FIELDS, "body_all"))
        print(f"| {name} | {cells} | {seconds:.2f} |")
    if args.fails:
        for name, _, _, fails in rows:
            for field, pages in fails.items():
                if pages:
                    print(f"{name} fails {field}: {' '.join(pages)}")


if __name__ == "__main__":
    main()
