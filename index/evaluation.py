"""Measure answer quality: retrieval and quote metrics on SQuAD-layout sets, pass rates on JSONL.

SQuAD layout: every paragraph is indexed in a fresh temporary index, every question is asked, and a
hit is a passage from the question's own paragraph; a quote hits when a gold answer appears in it
verbatim. JSONL: ``{"q": ..., "expect": ...}`` lines, where ``expect`` must appear verbatim in a
quote, and ``null`` means the right answer is "not found"; lines labelled with a ``kind`` (the news
set's speaker, who, fact, paraphrase, traditional, negative) are also counted per kind.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from index.datasets import JsonlCase, SquadSet
from index.engine import QuoteEngine

SQUAD_KEYS = (
    "passage_hit@1", "passage_hit@5", "mrr@10", "quote_hit@1", "quote_hit@3", "quote_chars_median",
    "not_found_rate", "latency_ms_p50", "latency_ms_p95", "index_build_s", "questions",
)
JSONL_KEYS = ("pass@1", "pass@3", "negatives_ok", "questions")
# The news set's kinds of question, in the order its tables use; other kinds follow alphabetically.
KINDS = ("speaker", "who", "fact", "paraphrase", "traditional", "negative")
# Groups every case belongs to by its expectation, after the kinds.
GROUPS = ("answerable", "null", "all")

Tick = Callable[[int, int], None]


@dataclass
class Outcome:
    """One question's result, kept for the analysis of misses."""

    question: str
    gold: tuple[str, ...]
    rank: int | None  # 1-based rank of the question's own paragraph among the first ten, if there
    found: bool
    quotes: list[str] = field(default_factory=list)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear between the nearest ranks."""
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def squad_metrics(outcomes: Sequence[Outcome], latencies_ms: Sequence[float], build_s: float) -> dict[str, float]:
    """The SQuAD metrics of a run, from its per-question outcomes."""
    n = len(outcomes)
    if n == 0:
        return {key: 0.0 for key in SQUAD_KEYS}

    def share(hits: int) -> float:
        return round(hits / n, 4)

    top1 = [o.quotes[0] for o in outcomes if o.found and o.quotes]
    return {
        "passage_hit@1": share(sum(o.rank == 1 for o in outcomes)),
        "passage_hit@5": share(sum(o.rank is not None and o.rank <= 5 for o in outcomes)),
        "mrr@10": round(sum(1 / o.rank for o in outcomes if o.rank is not None) / n, 4),
        "quote_hit@1": share(sum(bool(o.quotes) and any(g in o.quotes[0] for g in o.gold) for o in outcomes)),
        "quote_hit@3": share(sum(any(g in q for q in o.quotes[:3] for g in o.gold) for o in outcomes)),
        "quote_chars_median": float(statistics.median(len(q) for q in top1)) if top1 else 0.0,
        "not_found_rate": share(sum(not o.found for o in outcomes)),
        "latency_ms_p50": round(percentile(latencies_ms, 50), 1),
        "latency_ms_p95": round(percentile(latencies_ms, 95), 1),
        "index_build_s": round(build_s, 1),
        "questions": n,
    }


def evaluate_squad(
    engine: QuoteEngine, dataset: SquadSet, limit: int | None = None, tick: Tick | None = None
) -> tuple[dict[str, float], list[Outcome]]:
    """Index every paragraph of ``dataset`` into ``engine`` (a fresh one) and ask its questions."""
    started = time.perf_counter()
    engine.build_from_articles(dataset.articles)
    build_s = time.perf_counter() - started
    questions = dataset.questions[:limit] if limit else dataset.questions
    if questions:
        engine.ask(questions[0].question)  # warm: latency is measured on a running engine
    outcomes: list[Outcome] = []
    latencies: list[float] = []
    for i, item in enumerate(questions):
        t0 = time.perf_counter()
        answer, ranked = engine.ask_ranked(item.question, top_k=3, depth=10)
        latencies.append((time.perf_counter() - t0) * 1000)
        keys = [(h.article_id, h.paragraph) for h in ranked[:10]]
        own = (item.article_id, item.paragraph)
        rank = keys.index(own) + 1 if own in keys else None
        outcomes.append(Outcome(item.question, item.answers, rank, answer.found, [q.text for q in answer.quotes]))
        if tick is not None:
            tick(i + 1, len(questions))
    return squad_metrics(outcomes, latencies, build_s), outcomes


def passes(case: JsonlCase, found: bool, quotes: Sequence[str], k: int) -> bool:
    """A case passes when ``expect`` is in one of the first ``k`` quotes, or, for null, nothing is found."""
    if case.expect is None:
        return not found
    return found and any(case.expect in q for q in quotes[:k])


def jsonl_metrics(cases: Sequence[JsonlCase], answers: Sequence[tuple[bool, list[str]]]) -> dict[str, float]:
    """pass@1, pass@3 and negatives_ok of answers given to ``cases``, in order."""
    n = len(cases)
    negatives = [(c, a) for c, a in zip(cases, answers, strict=True) if c.expect is None]
    return {
        "pass@1": round(sum(passes(c, f, q, 1) for c, (f, q) in zip(cases, answers, strict=True)) / n, 4) if n else 0.0,
        "pass@3": round(sum(passes(c, f, q, 3) for c, (f, q) in zip(cases, answers, strict=True)) / n, 4) if n else 0.0,
        "negatives_ok": round(sum(not f for _, (f, _) in negatives) / len(negatives), 4) if negatives else 1.0,
        "questions": n,
    }


def kind_metrics(
    cases: Sequence[JsonlCase], answers: Sequence[tuple[bool, list[str]]]
) -> dict[str, dict[str, float]]:
    """Per kind of question, then answerable (``expect`` given), null (must be "not found") and all:
    how many questions, how many pass at 1 and at 3 quotes, and the pass@3 rate.

    Cases without a kind count only in the last three groups.
    """
    groups: dict[str, list[tuple[JsonlCase, tuple[bool, list[str]]]]] = {}
    for case, answer in zip(cases, answers, strict=True):
        if case.kind:
            groups.setdefault(case.kind, []).append((case, answer))
    ordered = [k for k in KINDS if k in groups] + sorted(k for k in groups if k not in KINDS)
    pairs = list(zip(cases, answers, strict=True))
    rows = {kind: groups[kind] for kind in ordered}
    rows["answerable"] = [(c, a) for c, a in pairs if c.expect is not None]
    rows["null"] = [(c, a) for c, a in pairs if c.expect is None]
    rows["all"] = pairs
    table: dict[str, dict[str, float]] = {}
    for name, members in rows.items():
        n = len(members)
        at1 = sum(passes(c, found, quotes, 1) for c, (found, quotes) in members)
        at3 = sum(passes(c, found, quotes, 3) for c, (found, quotes) in members)
        table[name] = {"questions": n, "passed@1": at1, "passed@3": at3, "pass@3": round(at3 / n, 4) if n else 0.0}
    return table


def evaluate_jsonl(
    engine: QuoteEngine, cases: Sequence[JsonlCase], limit: int | None = None, tick: Tick | None = None
) -> tuple[dict[str, float], list[tuple[bool, list[str]]]]:
    """Ask every case against the engine's current index."""
    cases = list(cases[:limit] if limit else cases)
    answers: list[tuple[bool, list[str]]] = []
    for i, case in enumerate(cases):
        answer = engine.ask(case.question, top_k=3)
        answers.append((answer.found, [q.text for q in answer.quotes]))
        if tick is not None:
            tick(i + 1, len(cases))
    return jsonl_metrics(cases, answers), answers
