"""A saved or fetched news page → its article: title, date, outlet, author, URL and body paragraphs.

The body comes from index/webtext.py. The headline is the page's own line above the body that the
page's metadata (``<h1>``, ``og:title``, ``<title>``, gne's and trafilatura's guesses) agrees with;
small sites without an ``<h1>`` get the nearest plain line above the body. The date is the one on
the metadata line under the headline, else trafilatura's (htmldate), else gne's.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import lxml.html
from lxml import etree

from index.furniture import Metadata, find_dateline, is_furniture, is_meta_line, meta_of_line, parse_date
from index.webtext import MIN_PROSE, Block, blocks_of, main_run, prose_chars, text_blocks, tidy

# Lines above the body searched for the headline (share widgets can stand between them).
_ABOVE = 40
# Without metadata to confirm it, the headline is one of the few lines right above the body.
PLAIN_REACH = 3
TITLE_MAX = 80
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_INVISIBLE = ("script", "style", "noscript", "template", "head", "iframe", "svg", "textarea", "select")
_LINE_BREAKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table",
                "section", "article", "header", "footer", "blockquote", "dd", "dt", "dl", "form", "nav", "aside"}
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|--|—|-\s|\s-|::)\s*")
# What libraries take for an author but is a widget, a site or a role.
_NOT_A_NAME = re.compile(r"[;；:：@|｜]|编辑|跟贴|评论|授权|搜索|网易|新浪")
_SITE_SUFFIX = re.compile(r"(?:版权所有|官方网站|官网|首页)$")

logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("htmldate").setLevel(logging.ERROR)


@dataclass(frozen=True)
class WebArticle:
    """What a page yields: the body as blocks (headings marked) and what is known about it."""

    title: str | None
    blocks: list[Block]
    meta: Metadata = field(default_factory=Metadata)
    url: str | None = None


def extract_page(html: str, url: str | None = None) -> WebArticle:
    """Extract the article of one page (already decoded)."""
    import trafilatura

    # trafilatura's Document is loosely typed (a dict with as_dict=True): read it through getattr.
    document: Any = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_links=True, include_tables=True, include_comments=False,
        include_formatting=False,
    )
    body = main_run(blocks_of(document.body)) if document is not None and document.body is not None else []
    gne = _gne(html)
    if prose_chars(body) < MIN_PROSE and gne.get("content"):
        other = main_run(list(text_blocks(str(gne["content"]))))
        if prose_chars(other) > prose_chars(body):
            body = other
    lines = visible_lines(html)
    at = _body_position(lines, body)
    above = lines[max(0, at - _ABOVE):at] if at is not None else []
    title = _headline(html, above, [getattr(document, "title", None), str(gne.get("title") or "") or None])
    meta = _metadata(above, title, document, gne, body)
    if meta.author and re.search(rf"(?:编辑|责编)\s*[:：|｜/]\s*{re.escape(meta.author)}", "\n".join(lines)):
        # Libraries take the editor line for the author; an editor did not write the article.
        meta = Metadata(meta.date, meta.outlet, None)
    return WebArticle(title, body, meta, url or getattr(document, "url", None))


def _gne(html: str) -> dict[str, object]:
    from gne import GeneralNewsExtractor

    try:
        return dict(GeneralNewsExtractor().extract(html))
    except Exception:  # noqa: BLE001 - gne raises bare Exceptions on pages without a body; it is only a fallback
        return {}


def visible_lines(html: str) -> list[str]:
    """The page's visible text, one line per block, whitespace collapsed."""
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    for element in list(root.iter(*_INVISIBLE, etree.Comment)):
        element.drop_tree()
    for element in list(root.xpath("//*[@style]")):
        if _HIDDEN.search(element.get("style", "")) and element.getparent() is not None:
            element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in _LINE_BREAKS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
    return [line for line in (tidy(part) for part in root.text_content().split("\n")) if line]


def _key(text: str) -> str:
    return re.sub(r"\W", "", text)


def _body_position(lines: list[str], body: list[Block]) -> int | None:
    """Index of the visible line where the body starts."""
    if not body:
        return None
    head = _key(body[0].text)[:12]
    for i, line in enumerate(lines):
        if head and head in _key(line):
            return i
    return None


def _title_candidates(html: str, guesses: list[str | None]) -> list[str]:
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return [g for g in guesses if g]
    found: list[str] = [tidy(h.text_content()) for h in root.iter("h1")]
    for meta in root.xpath("//meta[@property='og:title' or @name='title' or @name='og:title']"):
        found.append(tidy(meta.get("content", "")))
    page_title = root.findtext(".//title") or ""
    found.append(tidy(page_title))
    found.extend(tidy(part) for part in _TITLE_SEPARATORS.split(page_title))
    found.extend(tidy(g) for g in guesses if g)
    return [c for c in dict.fromkeys(found) if len(c) >= 4]


def _headline(html: str, above: list[str], guesses: list[str | None]) -> str | None:
    """The headline: the nearest line above the body that a metadata title names, else a plain line."""
    keys = [_key(c) for c in _title_candidates(html, guesses)]
    exact: str | None = None
    prefix: str | None = None
    plain: str | None = None
    meaningful = 0
    for line in reversed(above):
        if len(line) > TITLE_MAX or is_meta_line(line) or is_furniture(line) or find_dateline(line):
            continue
        key = _key(line)
        if len(key) < 3 or re.fullmatch(r"[\d\W_]+", line):
            continue
        meaningful += 1
        if exact is None and len(key) >= 4 and key in keys:
            exact = line
        if prefix is None and len(key) >= 8 and any(k.startswith(key) for k in keys):
            prefix = line
        if plain is None and meaningful <= PLAIN_REACH and len(key) >= 6:
            plain = line
    return exact or prefix or plain or next((tidy(g) for g in guesses if g), None)


def _metadata(above: list[str], title: str | None, document: object, gne: dict[str, object],
              body: list[Block]) -> Metadata:
    """Date, outlet, author: from the metadata lines under the headline first, then the libraries'."""
    after_title = above
    if title is not None and title in above:
        after_title = above[len(above) - 1 - above[::-1].index(title) + 1:]
    meta = Metadata()
    for line in after_title:
        if is_meta_line(line):
            meta = meta.merged(meta_of_line(line))
    library_date = parse_date(str(getattr(document, "date", None) or "")) or parse_date(
        str(gne.get("publish_time") or "")
    )
    year = int((meta.date or library_date or "0")[:4]) or None
    if body:
        dateline = find_dateline(body[0].text, year)
        if dateline is not None:
            meta = meta.merged(dateline.meta)
    site = _outlet(str(getattr(document, "sitename", None) or ""))
    fallback = Metadata(library_date, site, None)
    meta = meta.merged(fallback)
    meta = Metadata(meta.date, _outlet(meta.outlet or ""), _author(meta.author or "", meta.outlet))
    if meta.author is None:
        for guess in (getattr(document, "author", None), gne.get("author")):
            author = _author(str(guess or ""), meta.outlet)
            if author:
                return Metadata(meta.date, meta.outlet, author)
    return meta


def _outlet(name: str) -> str | None:
    """A publisher's name without the decorations pages put around it ("据", a date, "版权所有")."""
    name = re.sub(r"^据", "", name.strip())
    name = re.sub(r"\s*(?:19|20)\d\d[-/.年]\d{1,2}[-/.月]\d{1,2}日?.*$", "", name)
    name = _SITE_SUFFIX.sub("", re.sub(r"(?:作者|编辑)$", "", name)).strip(" -_|")
    return name if 2 <= len(name) <= 30 and not re.search(r"\.(?:com|cn|net)", name) else None


def _author(name: str, outlet: str | None) -> str | None:
    """A person's (or a column's) name, or None for what libraries take for one (site names, widgets)."""
    name = name.strip()
    if not 2 <= len(name) <= 12 or name == outlet or _NOT_A_NAME.search(name):
        return None
    return None if is_furniture(name) or len(name.split()) > 2 else name
