"""``quotebot serve`` follows the configured feeds: a job polls them on their interval.

Each poll goes through the same :class:`index.subscriptions.FeedWatcher` that ``quotebot index watch``
uses, so an item is never added twice (its guid and link, and its content hash, are in the ledger),
and the bot and the CLI never poll at once (the ledger's lock). The poll runs on a worker thread; the
engine indexes what it brings while questions go on being answered, and serves the new generation at
once. A poll's outcome is logged in one line, its problems in one more: a feed that is down for a
day writes one warning per poll, never a traceback per item.
"""

from __future__ import annotations

import asyncio
import logging

from bot.telegram.context import App, Context
from index.errors import QuoteBotError
from index.subscriptions import PollReport

log = logging.getLogger(__name__)

JOB_NAME = "quotebot-feeds"
# The first poll waits this long after start-up: answering the first questions comes first.
FIRST_POLL_SECONDS = 10.0
# A poll's problems are listed in one log line, this long at most.
MAX_PROBLEM_CHARS = 2000


def schedule(application: App) -> bool:
    """Poll the configured feeds every ``feed_poll_seconds``; False when there is nothing to poll."""
    data = application.bot_data
    if not data.feeds or data.feed_poller is None:
        return False
    queue = application.job_queue
    if queue is None:
        log.error("Feeds are configured but the job queue is missing: install python-telegram-bot[job-queue].")
        return False
    # One poll at a time: a poll slower than the interval delays the next, never overlaps it.
    queue.run_repeating(poll_feeds, interval=data.feed_poll_seconds, first=FIRST_POLL_SECONDS, name=JOB_NAME,
                        job_kwargs={"max_instances": 1, "coalesce": True})  # fmt: skip
    log.info("Polling %d feeds every %g minutes.", len(data.feeds), data.feed_poll_seconds / 60)
    return True


async def poll_feeds(context: Context) -> None:
    """The job: one poll of every feed, its new items indexed, what happened logged once."""
    data = context.bot_data
    poller = data.feed_poller
    if poller is None:
        return
    try:
        # Articles `quotebot index add/watch` made live since the last look count as known content.
        await asyncio.to_thread(data.engine.refresh)
        report = await asyncio.to_thread(poller.poll, data.feeds)
    except (QuoteBotError, OSError) as exc:
        # The ledger or the index could not be written: nothing was taken, the next poll tries again.
        log.warning("Polling the feeds failed: %s", exc)
        return
    except Exception as exc:  # noqa: BLE001 - a job's exception would reach the error handler every poll
        log.error("Polling the feeds failed unexpectedly: %s: %s", type(exc).__name__, exc)
        return
    log_poll(report)
    if report.index.added or report.index.removed:
        generation = (await asyncio.to_thread(data.engine.stats)).get("generation", 0)
        data.metrics.generation.set(generation)


def log_poll(report: PollReport) -> None:
    """One line for what a poll took, one more for what went wrong (feeds that failed, items skipped)."""
    added = sum(len(r.added) for r in report.feeds)
    duplicates = sum(len(r.duplicates) for r in report.feeds)
    problems = [f"{r.feed}: {r.error}" if not r.error.startswith(r.feed) else r.error
                for r in report.feeds if r.error is not None]  # fmt: skip
    problems += [reason if reason.startswith(link) else f"{link}: {reason}"
                 for r in report.feeds for link, reason in r.failed]  # fmt: skip
    problems += [f"{source}: {reason}" for source, reason in report.index.failed]
    titles = "、".join(f"《{info.title}》" for info in report.index.added[:10])
    level = logging.INFO if added or problems else logging.DEBUG
    log.log(level, "Feeds polled: %d feeds, %d new items (%d articles indexed%s), %d already indexed, %d problems.",
            len(report.feeds), added, len(report.index.added), f": {titles}" if titles else "", duplicates,
            len(problems))  # fmt: skip
    if problems:
        line = "; ".join(problems)
        if len(line) > MAX_PROBLEM_CHARS:
            line = line[: MAX_PROBLEM_CHARS - 1] + "…"
        log.warning("Feed poll problems: %s", line)
