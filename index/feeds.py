"""RSS 2.0, RSS 1.0 and Atom feeds → their items (link, title, date, guid).

Parsed with defusedxml, which refuses DTD entity declarations outright: a feed is remote input, and
"billion laughs" expansion or external entities must never reach the parser. (feedparser was
measured too: expat's amplification guard stops the bomb, then feedparser's loose fallback parser
spends over a second on it and still returns a "feed"; a refusal in one sentence is what we want.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from index.errors import FeedError
from index.furniture import parse_date

_ATOM = "{http://www.w3.org/2005/Atom}"
_RSS1 = "{http://purl.org/rss/1.0/}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
# Polls that may fail to fetch an item (a timeout, a server error) before it is given up.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed; ``guid`` identifies it across polls (the feed's id, else its link)."""

    link: str
    title: str | None
    date: str | None
    guid: str


def parse_feed(data: bytes, url: str | None = None) -> list[FeedItem]:
    """The items of a feed, in the feed's order; relative links are resolved against ``url``."""
    name = url or "the feed"
    try:
        root = fromstring(data)
    except DefusedXmlException as exc:
        raise FeedError(
            f"{name}: declares XML entities, which QuoteBot refuses to expand; it is not a usable feed."
        ) from exc
    except (ParseError, ValueError) as exc:
        raise FeedError(f"{name}: is not XML, so not an RSS or Atom feed ({exc}).") from exc
    tag = root.tag
    if tag == "rss" or (tag.endswith("RDF") and root.find(f"{_RSS1}item") is not None):
        entries = root.iter("item") if tag == "rss" else root.iter(f"{_RSS1}item")
        items = [_rss_item(entry, url) for entry in entries]
    elif tag == f"{_ATOM}feed":
        items = [_atom_item(entry, url) for entry in root.iter(f"{_ATOM}entry")]
    else:
        raise FeedError(f"{name}: is XML but not an RSS or Atom feed (its root element is <{_local(tag)}>).")
    return _unique(item for item in items if item is not None)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: Element, *paths: str) -> str | None:
    for path in paths:
        found = element.find(path)
        if found is not None and found.text and found.text.strip():
            return found.text.strip()
    return None


def _rss_item(entry: Element, base: str | None) -> FeedItem | None:
    ns = _RSS1 if entry.tag.startswith(_RSS1) else ""
    link = _text(entry, f"{ns}link")
    guid = _text(entry, "guid")
    guid_element = entry.find("guid")
    if link is None and guid and guid_element is not None and guid_element.get("isPermaLink", "true") == "true":
        link = guid
    if link is None:
        return None
    link = urljoin(base or "", link)
    date = _date(_text(entry, "pubDate", f"{_DC}date", f"{_ATOM}updated"))
    return FeedItem(link, _text(entry, f"{ns}title"), date, guid or link)


def _atom_item(entry: Element, base: str | None) -> FeedItem | None:
    link = None
    for candidate in entry.findall(f"{_ATOM}link"):
        if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
            link = candidate.get("href")
            break
    if link is None:
        return None
    link = urljoin(base or "", link)
    date = _date(_text(entry, f"{_ATOM}published", f"{_ATOM}updated"))
    return FeedItem(link, _text(entry, f"{_ATOM}title"), date, _text(entry, f"{_ATOM}id") or link)


def _date(text: str | None) -> str | None:
    """RFC 822 (RSS) or RFC 3339 (Atom) → YYYY-MM-DD, in the feed's own time zone."""
    if not text:
        return None
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return parse_date(text)


def _unique(items: Iterable[FeedItem]) -> list[FeedItem]:
    seen: set[str] = set()
    out: list[FeedItem] = []
    for item in items:
        if item.guid not in seen and item.link not in seen:
            seen.update((item.guid, item.link))
            out.append(item)
    return out


@dataclass
class FeedLedger:
    """What polling has already taken: item guids and links, and the content hashes of added articles.

    An item is new only if neither its guid nor its link was seen; an article is new only if its
    content hash was not (the same story re-posted under a new link is not added twice). An item whose
    link cannot be fetched is tried again on later polls, :data:`MAX_ATTEMPTS` times in all.
    """

    keys: set[str] = field(default_factory=set)
    hashes: set[str] = field(default_factory=set)
    attempts: dict[str, int] = field(default_factory=dict)

    def unseen(self, items: list[FeedItem]) -> list[FeedItem]:
        return [item for item in items if item.guid not in self.keys and item.link not in self.keys]

    def remember(self, item: FeedItem, content_hash: str | None = None) -> bool:
        """Record an item; returns False when its content was already added under another item."""
        return self.take(item, [content_hash] if content_hash is not None else [])

    def take(self, item: FeedItem, content_hashes: list[str]) -> bool:
        """Record an item and the content hashes of its articles; False when every one was known already."""
        self.keys.update((item.guid, item.link))
        self.attempts.pop(item.guid, None)
        new = [h for h in content_hashes if h not in self.hashes]
        self.hashes.update(new)
        return bool(new) or not content_hashes

    def failed(self, item: FeedItem) -> bool:
        """Count a failed fetch of an item; True when it is given up (and recorded as seen)."""
        tries = self.attempts.get(item.guid, 0) + 1
        if tries >= MAX_ATTEMPTS:
            self.take(item, [])
            return True
        self.attempts[item.guid] = tries
        return False

    def to_json(self) -> dict[str, object]:
        attempts = dict(sorted(self.attempts.items()))
        return {"keys": sorted(self.keys), "hashes": sorted(self.hashes), "attempts": attempts}

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> FeedLedger:
        """A ledger from :meth:`to_json`'s output; a :class:`ValueError` when it is not one."""
        keys, hashes, attempts = raw.get("keys", []), raw.get("hashes", []), raw.get("attempts", {})
        if not (isinstance(keys, list) and isinstance(hashes, list) and isinstance(attempts, dict)
                and all(isinstance(k, str) for k in keys + hashes)
                and all(isinstance(k, str) and isinstance(v, int) for k, v in attempts.items())):
            raise ValueError("not a feed ledger")
        return cls(set(keys), set(hashes), dict(attempts))
