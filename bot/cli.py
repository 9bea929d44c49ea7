"""The ``quotebot`` command: index, ask, chat, serve, eval.

Errors a user can fix print one line and exit non-zero; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from bot import logs
from bot.config import load_settings
from bot.console import Progress, engine_of, settings_of
from bot.limits import from_terminal
from bot.measuring import evaluate
from index.errors import QuoteBotError


class _Group(click.Group):
    """Catches errors once, at the edge: one line for users, the traceback only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            # `quotebot index list | head -1`: the reader has gone, which is no error of ours. Python
            # would report the pipe again when it flushes stdout at exit, so point stdout elsewhere.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except QuoteBotError as exc:
            if _debug(ctx):
                raise
            click.echo(f"Error: {logs.mask(str(exc))}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except Exception as exc:
            if _debug(ctx):
                raise
            message = logs.mask(f"{exc}")
            click.echo(f"Error: unexpected {type(exc).__name__}: {message} (run with --debug for details).", err=True)
            ctx.exit(2)


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.params.get("debug"))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="config.yaml to use (default: $QUOTEBOT_CONFIG or ./config.yaml).")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, debug: bool) -> None:
    """QuoteBot: answers questions about Chinese news articles by quoting them."""
    # Every handler masks the bot token, whatever logs it (PTB and httpx log request URLs at DEBUG).
    logs.setup(debug)
    ctx.obj = load_settings(config_path)


@cli.group("index")
def index_group() -> None:
    """Build and change the index."""


def _print_report(report: Any) -> None:
    for info in report.added:
        sections = f", {len(info.sections)} sections" if info.sections else ""
        click.echo(f"added    {info.article_id}  《{info.title}》 ({info.chunks} chunks{sections})")
    for info in report.unchanged:
        click.echo(f"unchanged {info.article_id}  《{info.title}》")
    for info in report.removed:
        click.echo(f"removed  {info.article_id}  《{info.title}》")
    if report.failed and not (report.added or report.unchanged or report.removed):
        # Nothing else happened: the reasons alone, each a sentence that names its file or link.
        for _, reason in report.failed:
            click.echo(f"Error: {reason}", err=True)
        return
    for path, reason in report.failed:
        click.echo(f"skipped  {reason if reason.startswith(path) else f'{path}: {reason}'}", err=True)
    click.echo(f"{report.embedded_chunks} chunks embedded in {report.seconds:.1f} s.")


def _is_link(argument: str) -> bool:
    return argument.lower().startswith(("http://", "https://"))


@index_group.command("build")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Rebuild even if that drops most or all of the indexed articles.")
@click.pass_context
def index_build(ctx: click.Context, paths: tuple[Path, ...], force: bool) -> None:
    """Rebuild the index from PATHS (default: the configured articles folder)."""
    from bot.runtime import embedder_for, engine_settings
    from index.engine import QuoteEngine

    settings = settings_of(ctx)
    engine = QuoteEngine(engine_settings(settings), embedder_for(settings), Progress())
    report = engine.rebuild(list(paths) or None, force=force)
    if report.damaged_manifest is not None:
        click.echo(f"The index manifest was damaged: moved it to {report.damaged_manifest} and built a new index.",
                   err=True)
    _print_report(report)
    if not report.added and report.failed:
        ctx.exit(1)


@index_group.command("add")
@click.argument("sources", nargs=-1)
@click.option("--feed", "feeds", multiple=True, metavar="URL",
              help="An RSS or Atom feed: add its items not added before (repeatable).")
@click.pass_context
def index_add(ctx: click.Context, sources: tuple[str, ...], feeds: tuple[str, ...]) -> None:
    """Add or update files, folders and links (http:// or https://), embedding only what is new or changed."""
    if not sources and not feeds:
        raise click.UsageError("Give at least one file, folder or link, or --feed URL.")
    engine = engine_of(ctx)
    failed = False
    if sources:
        urls = [s for s in sources if _is_link(s)]
        report = engine.add([Path(s) for s in sources if not _is_link(s)], urls)
        _print_report(report)
        failed = bool(report.failed)
    if feeds:
        from bot.runtime import feed_watcher

        failed = _print_poll(feed_watcher(settings_of(ctx), engine).poll(list(feeds))) or failed
    if failed:
        ctx.exit(1)


def _print_poll(poll: Any) -> bool:
    """Print what a feed poll did; True when a feed or an item failed."""
    if poll.index.added or poll.index.removed:
        _print_report(poll.index)
    failed = False
    for result in poll.feeds:
        if result.error is not None:
            click.echo(f"Error: {result.error}", err=True)
            failed = True
            continue
        for link, reason in result.failed:
            click.echo(f"skipped  {reason if reason.startswith(link) else f'{link}: {reason}'}", err=True)
        failed = failed or bool(result.failed)
        click.echo(f"feed {result.feed}: {result.items} items, {len(result.added)} new, "
                   f"{len(result.duplicates)} already indexed, {len(result.failed)} failed.")
    return failed


@index_group.command("watch")
@click.option("--once", is_flag=True, help="Poll the feeds once and exit.")
@click.pass_context
def index_watch(ctx: click.Context, once: bool) -> None:
    """Poll the feeds of config.yaml (feeds:) every feed_poll_minutes and add their new items; Ctrl-C stops."""
    import signal
    import threading

    from bot.runtime import feed_watcher

    settings = settings_of(ctx)
    if not settings.feeds:
        raise click.UsageError("No feeds to watch: list them under 'feeds:' in config.yaml.")
    watcher = feed_watcher(settings, engine_of(ctx))
    if once:
        ctx.exit(1 if _print_poll(watcher.poll(settings.feeds)) else 0)
    stop = threading.Event()

    def stop_watching(signum: int, frame: object) -> None:
        # The poll in hand finishes (its articles are saved whole), then the loop ends; a second Ctrl-C
        # does not wait (every index write is atomic, so the index stays whole either way).
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {sig: signal.signal(sig, stop_watching) for sig in (signal.SIGINT, signal.SIGTERM)}
    click.echo(f"Watching {len(settings.feeds)} feeds every {settings.feed_poll_minutes:g} minutes; Ctrl-C stops "
               "after the poll in hand.", err=True)
    try:
        watcher.watch(settings.feeds, settings.feed_poll_seconds, stop, _print_poll,
                      lambda exc: click.echo(f"Error: {exc}", err=True))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Stopped watching.", err=True)


@index_group.command("remove")
@click.argument("article_id")
@click.pass_context
def index_remove(ctx: click.Context, article_id: str) -> None:
    """Remove the article ARTICLE_ID from the index (its file is kept)."""
    info = engine_of(ctx).remove(article_id)
    click.echo(f"removed  {info.article_id}  《{info.title}》")


@index_group.command("verify")
@click.pass_context
def index_verify(ctx: click.Context) -> None:
    """Check every index file against its full SHA-256 (opening the index checks only samples of large files)."""
    from index import store

    index_dir = settings_of(ctx).path("index")
    count = store.verify(index_dir)
    click.echo(f"All {count} files of the index at {index_dir} match their checksums.")


@index_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def index_list(ctx: click.Context, as_json: bool) -> None:
    """List the indexed articles."""
    articles = engine_of(ctx).articles()
    if as_json:
        keys = ("article_id", "title", "source", "sections", "chunks", "chars", "content_hash", "date", "outlet", "url")
        click.echo(json.dumps([{k: getattr(a, k) for k in keys} for a in articles], ensure_ascii=False, indent=2))
        return
    for a in articles:
        sections = "、".join(a.sections) if a.sections else "-"
        click.echo(f"{a.article_id}\t《{a.title}》\t{a.date or '-'}\t{a.chunks} chunks\t{sections}")
    click.echo(f"{len(articles)} articles.")


@index_group.command("show")
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def index_show(ctx: click.Context, article_id: str, as_json: bool) -> None:
    """Print the article ARTICLE_ID as it was cleaned and indexed."""
    from bot.terminal import article_json, render_article

    article = engine_of(ctx).article(article_id)
    if as_json:
        click.echo(json.dumps(article_json(article), ensure_ascii=False))
    else:
        click.echo(render_article(article))


@index_group.command("people")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def index_people(ctx: click.Context, as_json: bool) -> None:
    """List who is quoted in which articles, and how often."""
    from index.speakers.roles import best_role

    people = engine_of(ctx).attribution.people()
    rows = [
        {"name": person.name, "role": best_role(person.roles), "roles": list(person.roles),
         "article_id": record.article_id, "article": record.title, "statements": said}
        for person, record, said in sorted(people, key=lambda item: (-item[2], item[0].name))
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        who = f"{row['role']}{row['name']}"
        click.echo(f"{who}\t{row['statements']} statements\t{row['article_id']}  《{row['article']}》")
    quoted = sum(1 for row in rows if row["statements"])
    click.echo(f"{len(rows)} people, {quoted} quoted.")


@cli.command()
@click.argument("question")
@click.option("--top", "top_k", type=click.IntRange(1, 50), default=None, help="How many quotes.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def ask(ctx: click.Context, question: str, top_k: int | None, as_json: bool) -> None:
    """Answer QUESTION with quotes from the articles."""
    from bot.terminal import answer_json, render_answer, terminal_language

    settings = settings_of(ctx)
    answer = engine_of(ctx).ask(from_terminal(question), top_k or settings.search.top_k)
    lang = terminal_language()
    if as_json:
        click.echo(json.dumps(answer_json(answer, lang), ensure_ascii=False))
    else:
        click.echo(render_answer(answer, lang=lang))


@cli.command()
@click.option("--top", "top_k", type=click.IntRange(1, 50), default=None, help="How many quotes.")
@click.pass_context
def chat(ctx: click.Context, top_k: int | None) -> None:
    """Chat in the terminal: type questions, get quotes."""
    from bot.runtime import embedder_for, ready_for_questions
    from bot.terminal import run_chat

    settings = settings_of(ctx)
    embedder = embedder_for(settings)
    ready_for_questions(settings, embedder)
    engine = engine_of(ctx, embedder)
    engine.warm()
    run_chat(engine, top_k or settings.search.top_k)


@cli.command()
@click.option("--base-url", default=None, help="A Bot API server, e.g. http://127.0.0.1:8081/bot.")
@click.pass_context
def serve(ctx: click.Context, base_url: str | None) -> None:
    """Run the Telegram bot (token from $TELEGRAM_BOT_TOKEN)."""
    from bot.server import serve as run_server

    run_server(settings_of(ctx), base_url)


@cli.group("feedback")
def feedback_group() -> None:
    """The 👍/👎 votes Telegram users gave answers."""


@feedback_group.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def feedback_export(ctx: click.Context, file: Path | None) -> None:
    """Write the votes as evaluation cases (JSONL, as `quotebot eval` reads) to FILE, or print them."""
    from bot.feedback import FILE_NAME, FeedbackStore

    store = FeedbackStore(settings_of(ctx).path("cache") / FILE_NAME)
    try:
        if file is None:
            for case in store.cases():
                click.echo(json.dumps(case, ensure_ascii=False))
            return
        count = store.export(file)
    finally:
        store.close()
    click.echo(f"{count} cases written to {file}.", err=True)


cli.add_command(evaluate)


def main() -> None:
    cli(prog_name="quotebot")


if __name__ == "__main__":
    main()
