"""``quotebot eval``: answer quality on a dataset (SQuAD layout, or the JSONL of the news set)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.console import Progress, engine_of, settings_of


@click.command("eval")
@click.argument("dataset", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--limit", type=click.IntRange(1), default=None, help="Ask only the first N questions.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of metrics.")
@click.option("--articles", "articles_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="JSONL only: ask against a temporary index of this folder instead of the current index.")
@click.option("--corpus", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="JSONL only: ask against a temporary index of this SQuAD-layout file's paragraphs.")
@click.option("--misses", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the questions whose top quote missed, as JSON lines, to this file.")
@click.pass_context
def evaluate(ctx: click.Context, dataset: Path, limit: int | None, as_json: bool, articles_dir: Path | None,
             corpus: Path | None, misses: Path | None) -> None:
    """Measure answer quality on DATASET (SQuAD-layout .json, or .jsonl of {"q", "expect"}, optionally
    labelled with "kind", "article", "speaker": then also counted per kind)."""
    import dataclasses
    import tempfile

    from bot.runtime import embedder_for, engine_settings, ready_for_questions
    from index.datasets import is_jsonl, load_jsonl, load_squad
    from index.engine import QuoteEngine
    from index.evaluation import evaluate_jsonl, evaluate_squad, kind_metrics, passes

    settings = settings_of(ctx)
    progress = Progress()
    with tempfile.TemporaryDirectory(prefix="quotebot-eval-") as tmp:
        scratch = dataclasses.replace(engine_settings(settings), index_dir=Path(tmp) / "index")

        def fresh() -> QuoteEngine:
            embedder = embedder_for(settings)
            ready_for_questions(settings, embedder)
            engine = QuoteEngine(scratch, embedder, progress)
            # The latency reported is a new question's: no vector remembered from an earlier run.
            engine.embed_every_question()
            return engine

        def tick(done: int, total: int) -> None:
            progress("asking", done, total)

        rows: list[dict[str, object]] = []
        by_kind: dict[str, dict[str, float]] | None = None
        if is_jsonl(dataset):
            cases = load_jsonl(dataset)
            if articles_dir is not None:
                engine = fresh()
                engine.rebuild([articles_dir])
            elif corpus is not None:
                engine = fresh()
                engine.build_from_articles(load_squad(corpus).articles)
            else:
                engine = engine_of(ctx)
            metrics, answers = evaluate_jsonl(engine, cases, limit, tick)
            asked = cases[: len(answers)]
            by_kind = kind_metrics(asked, answers)
            for case, (found, quotes) in zip(asked, answers, strict=True):
                if not passes(case, found, quotes, 1):
                    row: dict[str, object] = {
                        "q": case.question, "expect": case.expect, "found": found, "quotes": quotes
                    }
                    if case.kind is not None:
                        row.update(kind=case.kind, article=case.article, speaker=case.speaker)
                    row["pass@3"] = passes(case, found, quotes, 3)
                    rows.append(row)
        else:
            if articles_dir is not None or corpus is not None:
                raise click.UsageError("--articles and --corpus apply to JSONL datasets only.")
            metrics, outcomes = evaluate_squad(fresh(), load_squad(dataset), limit, tick)
            rows = [dataclasses.asdict(o) for o in outcomes
                    if not (o.quotes and any(g in o.quotes[0] for g in o.gold))]
    if misses is not None:
        misses.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    if as_json:
        payload: dict[str, object] = dict(metrics)
        if by_kind is not None:
            payload["by_kind"] = by_kind
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    width = max(len(k) for k in metrics)
    click.echo(f"{dataset.name}")
    for key, value in metrics.items():
        click.echo(f"  {key.ljust(width)}  {value}")
    if by_kind is not None:
        click.echo(kind_table(by_kind))


def kind_table(by_kind: dict[str, dict[str, float]]) -> str:
    """Passes per kind of question, at 3 quotes (the news set's measure) and at 1."""
    width = max(len("kind"), *(len(k) for k in by_kind))

    def cell(passed: float, n: int) -> str:
        return f"{int(passed)}/{n}".ljust(9) + (f"{passed / n:.2f}" if n else "-").rjust(5)

    lines = ["", f"  {'kind'.ljust(width)}  {'pass, top 3'.ljust(14)}  pass, top 1"]
    for kind, row in by_kind.items():
        n = int(row["questions"])
        lines.append(f"  {kind.ljust(width)}  {cell(row['passed@3'], n)}  {cell(row['passed@1'], n)}")
    return "\n".join(lines)
