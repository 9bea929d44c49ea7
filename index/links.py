"""A link → clean articles: fetch the page or file, read it as a file of its type, name it by its URL.

Fetching and cleaning happen before the index is locked for writing (they take network time); the
engine then indexes the articles with the URL as their source, so adding the same link again updates
its articles instead of adding them twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from index.articles import MAX_ID, load_bytes, url_base_id
from index.errors import ArticleError
from index.records import CleanArticle

if TYPE_CHECKING:
    from index.fetching import Fetched

Fetcher = Callable[[str], "Fetched"]
"""fetcher(url) → what the link served; :func:`index.fetching.fetch` unless a caller brings its own."""


@dataclass(frozen=True)
class LinkArticles:
    """The articles one link holds; ``url`` is where they were found (after redirects), their source."""

    url: str
    articles: list[CleanArticle]


def load_link(url: str, fetcher: Fetcher | None = None) -> LinkArticles:
    """Fetch ``url`` and clean what it serves; a :class:`FetchError` or :class:`ArticleError` names the link."""
    if fetcher is None:
        # httpx is imported only when a link is fetched: answering questions never needs it.
        from index.fetching import fetch

        fetcher = fetch
    fetched = fetcher(url)
    base = url_base_id(fetched.url)
    name = base + fetched.suffix
    try:
        articles = load_bytes(fetched.data, name, base, url=fetched.url, content_type=fetched.header)
    except ArticleError as exc:
        # The loader names the file it was given; the user gave a link.
        message = str(exc)
        raise ArticleError(f"{url}{message.removeprefix(name)}" if message.startswith(name) else message) from exc
    return LinkArticles(fetched.url, [replace(article, source=fetched.url) for article in articles])


def unique_link_ids(link: LinkArticles, taken: dict[str, str]) -> LinkArticles:
    """``link`` with article ids that no other source in ``taken`` (id → source) holds.

    Ids come from the URL and a hash of it, so they clash only with a file that happens to have such a
    name; then a longer hash of the URL separates them.
    """
    if all(taken.get(a.article_id, link.url) == link.url for a in link.articles):
        return link
    digest = hashlib.sha1(link.url.encode("utf-8")).hexdigest()[:12]
    renamed = []
    for k, article in enumerate(link.articles):
        base = f"{article.article_id[:MAX_ID - 16]}-{digest}"
        renamed.append(replace(article, article_id=base if k == 0 else f"{base}-{k + 1}"))
    return LinkArticles(link.url, renamed)
