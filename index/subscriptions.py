"""Feeds the index follows: poll them, index their new items, remember what was taken.

What was taken is a :class:`~index.feeds.FeedLedger` kept in a small JSON file in the cache folder
(``feeds.json``), written through a temporary file and ``os.replace`` only after the index has taken
the new articles, and read and written under a lock file, so the bot and ``quotebot index watch``
never poll at once. Losing the file costs time, not duplicates: an item fetched again gets the id it
had (ids come from the URL), and its content hash is in the index already.

An item is skipped when its guid or link was taken before, and when every article it holds has the
content hash of an article taken before or already indexed (a re-post under a new link).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from index.articles import content_hash
from index.directory import write_atomic
from index.errors import ArticleError, FeedError, FetchError, IndexStoreError, QuoteBotError
from index.feeds import FeedItem, FeedLedger, parse_feed
from index.indexing import IndexReport
from index.links import LinkArticles, load_link

if TYPE_CHECKING:
    from index.engine import QuoteEngine

log = logging.getLogger(__name__)

LEDGER = "feeds.json"
# Items fetched from one feed in one poll; the rest wait for the next poll (a first poll of a long
# feed must not fetch hundreds of pages at once).
MAX_ITEMS_PER_POLL = 30


@dataclass
class FeedResult:
    """What one feed gave in one poll."""

    feed: str
    items: int = 0
    added: list[str] = field(default_factory=list)  # links whose articles went into the index
    duplicates: list[str] = field(default_factory=list)  # links whose content was indexed already
    failed: list[tuple[str, str]] = field(default_factory=list)  # (link, one-line reason)
    error: str | None = None  # the feed itself could not be read


@dataclass
class PollReport:
    feeds: list[FeedResult]
    index: IndexReport


class FeedWatcher:
    """Polls feeds into one engine's index."""

    def __init__(self, engine: QuoteEngine, ledger_path: Path, max_items: int = MAX_ITEMS_PER_POLL) -> None:
        self.engine = engine
        self.ledger_path = ledger_path
        self.max_items = max_items

    def poll(self, feeds: Sequence[str]) -> PollReport:
        """Fetch every feed once and index the items not taken before."""
        with self._locked():
            ledger = self._read()
            taken = ledger.to_json()
            # Hashes taken in this poll; the index is asked for the others one link at a time.
            known: set[str] = set()
            results: list[FeedResult] = []
            links: list[LinkArticles] = []
            for feed in feeds:
                result = FeedResult(feed)
                results.append(result)
                try:
                    items = self._items(feed)
                except (FetchError, FeedError) as exc:
                    result.error = str(exc)
                    continue
                result.items = len(items)
                for item in ledger.unseen(items)[: self.max_items]:
                    link = self._load(item, ledger, result)
                    if link is None:
                        continue
                    hashes = [content_hash(a) for a in link.articles]
                    known.update(self.engine.indexed_contents([h for h in hashes if h not in known]))
                    if all(h in known for h in hashes) or not ledger.take(item, hashes):
                        ledger.take(item, hashes)
                        result.duplicates.append(item.link)
                        continue
                    known.update(hashes)
                    links.append(link)
                    result.added.append(item.link)
            report = self.engine.add_links(links) if links else IndexReport()
            # Only now: had the index refused the articles, the items would be tried again next time.
            if ledger.to_json() != taken:
                self._write(ledger)
        return PollReport(results, report)

    def watch(
        self,
        feeds: Sequence[str],
        interval: float,
        stop: threading.Event,
        on_poll: Callable[[PollReport], object],
        on_error: Callable[[QuoteBotError], None],
    ) -> None:
        """Poll every ``interval`` seconds until ``stop`` is set; a failed poll is reported, not fatal."""
        while not stop.is_set():
            try:
                on_poll(self.poll(feeds))
            except QuoteBotError as exc:
                on_error(exc)
            if stop.wait(interval):
                return

    def _items(self, feed: str) -> list[FeedItem]:
        from index.fetching import FEED_TYPES, fetch

        fetched = fetch(feed, accept=FEED_TYPES)
        return parse_feed(fetched.data, fetched.url)

    def _load(self, item: FeedItem, ledger: FeedLedger, result: FeedResult) -> LinkArticles | None:
        try:
            link = load_link(item.link, self.engine.fetcher, self.engine.settings.limits)
        except FetchError as exc:
            # Perhaps a passing failure: tried again on the next polls, then given up.
            ledger.failed(item)
            result.failed.append((item.link, str(exc)))
            return None
        except ArticleError as exc:
            # The link serves nothing QuoteBot can index (an image-only PDF…): that will not change.
            ledger.take(item, [])
            result.failed.append((item.link, str(exc)))
            return None
        if item.date is not None:
            # A page that names no date of its own is dated by its feed.
            link = LinkArticles(link.url, [a if a.date else replace(a, date=item.date) for a in link.articles])
        return link

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.ledger_path.parent.mkdir(parents=True, exist_ok=True)
            lock = self.ledger_path.with_name(self.ledger_path.name + ".lock").open("w")
        except OSError as exc:
            raise IndexStoreError(f"Cannot open the feed ledger {self.ledger_path}: {exc.strerror or exc}.") from exc
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> FeedLedger:
        try:
            raw = json.loads(self.ledger_path.read_text(encoding="utf-8"))
            return FeedLedger.from_json(raw if isinstance(raw, dict) else {"keys": None})
        except FileNotFoundError:
            return FeedLedger()
        except (OSError, ValueError) as exc:
            # Starting afresh re-fetches items, but never indexes them twice (see the module docstring).
            log.warning("The feed ledger %s is unreadable (%s); starting a new one.", self.ledger_path, exc)
            return FeedLedger()

    def _write(self, ledger: FeedLedger) -> None:
        data = json.dumps(ledger.to_json(), ensure_ascii=False).encode("utf-8")
        try:
            write_atomic(self.ledger_path, data)
        except OSError as exc:
            raise IndexStoreError(f"Cannot write the feed ledger {self.ledger_path}: {exc.strerror or exc}.") from exc
