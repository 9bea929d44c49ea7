"""Read an article file (or fetched bytes) into lines of text: decoding, and main-text extraction.

Plain text, Word and PDF text are returned line by line for the cleaner to repair; web pages and
Markdown carry their own structure, so their headings are marked here and their paragraphs are
already whole. A web page also yields what it says about itself: title, date, outlet, author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from index.charsets import declared_charset, detect_text
from index.errors import ArticleError
from index.furniture import Metadata

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf")
HTML_SUFFIXES = (".html", ".htm")


@dataclass(frozen=True)
class Line:
    """One line or block of source text; ``heading`` is 1 for a title, 2+ for a section, None for text."""

    text: str
    heading: int | None = None


@dataclass(frozen=True)
class SourceDocument:
    path: Path
    lines: list[Line]
    # Plain text has no markup: its structure must be guessed by the cleaner.
    structured: bool
    # What the document says about itself (a web page's date, outlet, author), and where it came from.
    meta: Metadata = field(default_factory=Metadata)
    url: str | None = None


def decode(data: bytes, path: Path, content_type: str | None = None) -> str:
    """Decode by detection (UTF-8 first, then the declared charset, GB18030…), or raise naming the file."""
    text = detect_text(data, declared_charset(data, content_type))
    if text is None:
        raise ArticleError(
            f"{path}: cannot be decoded as UTF-8, GB18030/GBK or its declared charset; is it a text file?"
        )
    return text


def read_document(path: Path) -> SourceDocument:
    """Read one article file of a supported type."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ArticleError(
            f"{path}: unsupported file type '{suffix or '(none)'}'; use one of {', '.join(SUPPORTED_SUFFIXES)}."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
    return read_bytes(data, path)


def read_bytes(data: bytes, path: Path, url: str | None = None, content_type: str | None = None) -> SourceDocument:
    """Read an article from its bytes; ``path`` names it (its suffix gives the type), ``url`` is kept."""
    suffix = path.suffix.lower()
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ArticleError(f"{path}: the file is empty.")
    if suffix in (".docx", ".pdf"):
        from index.documents import document_lines

        return SourceDocument(path=path, lines=document_lines(data, path), structured=False, url=url)
    text = decode(data, path, content_type)
    if not text.strip():
        raise ArticleError(f"{path}: the file is empty.")
    meta = Metadata()
    if suffix in HTML_SUFFIXES:
        lines, meta = page_lines(text, url)
        structured = True
    elif suffix in (".md", ".markdown"):
        lines = markdown_lines(text)
        structured = True
    else:
        lines = [Line(raw) for raw in text.splitlines()]
        structured = False
    if not any(line.text.strip() for line in lines):
        raise ArticleError(f"{path}: no article text found in the file.")
    return SourceDocument(path=path, lines=lines, structured=structured, meta=meta, url=url)


def page_lines(html: str, url: str | None = None) -> tuple[list[Line], Metadata]:
    """A news page → its headline and body paragraphs (index/web.py), with what the page says about itself.

    A page too small or plain for the extractors (a hand-written one) falls back to its main markup.
    """
    from index.web import extract_page

    article = extract_page(html, url)
    if not article.blocks:
        return html_lines(html), article.meta
    from index.webtext import is_subheading

    lines = [Line(article.title, heading=1)] if article.title else []
    blocks = article.blocks
    lines.extend(
        Line(block.text, heading=2 if is_subheading(blocks, i) else None) for i, block in enumerate(blocks)
    )
    return lines, article.meta


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
# Emphasis and code markers, longest first so "**" is not read as two "*".
_MD_MARKERS = ("**", "__", "~~", "*", "_", "`")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MD_QUOTE = re.compile(r"^\s*>\s?")
_MD_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")


def _strip_inline_markdown(text: str) -> str:
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    return _strip_emphasis(text).strip()


def _strip_emphasis(text: str) -> str:
    """Remove paired emphasis markers (**x**, _x_, `x`, nested too) in one pass over the text.

    A marker followed by a non-space opens; one preceded by a non-space closes the nearest open marker
    of its kind. A regular expression that looks for each opener's closer takes quadratic time on a
    line of unclosed markers ('**a ' * 32000 took 50 s).
    """
    opened: dict[str, list[int]] = {}
    drop = bytearray(len(text))
    i = 0
    while i < len(text):
        marker = next((m for m in _MD_MARKERS if text.startswith(m, i)), None)
        if marker is None:
            i += 1
            continue
        end = i + len(marker)
        before = text[i - 1] if i else " "
        after = text[end] if end < len(text) else " "
        stack = opened.setdefault(marker, [])
        if stack and not before.isspace():
            start = stack.pop()
            drop[start : start + len(marker)] = b"\1" * len(marker)
            drop[i:end] = b"\1" * len(marker)
        elif not after.isspace():
            stack.append(i)
        i = end
    return "".join(ch for ch, gone in zip(text, drop, strict=True) if not gone)


def markdown_lines(text: str) -> list[Line]:
    """Markdown → headings and whole paragraphs, with inline markup removed."""
    text = _MD_FRONT_MATTER.sub("", text.replace("\r\n", "\n"))
    lines: list[Line] = []
    paragraph: list[str] = []
    in_code = False

    def flush() -> None:
        if paragraph:
            lines.append(Line(_join_wrapped(paragraph)))
            paragraph.clear()

    for raw in text.split("\n"):
        if raw.strip().startswith("```"):
            # Code blocks are not article prose.
            flush()
            in_code = not in_code
            continue
        if in_code:
            continue
        heading = _MD_HEADING.match(raw)
        if heading:
            flush()
            lines.append(Line(_strip_inline_markdown(heading.group(2)), heading=len(heading.group(1))))
            continue
        if not raw.strip() or _MD_RULE.match(raw):
            flush()
            continue
        if _MD_LIST.match(raw):
            flush()
            raw = _MD_LIST.sub("", raw)
        stripped = _strip_inline_markdown(_MD_QUOTE.sub("", raw))
        if stripped:
            paragraph.append(stripped)
    flush()
    return lines


def _join_wrapped(parts: list[str]) -> str:
    """Join hard-wrapped lines: no space between CJK characters, one between Latin words."""
    out = parts[0]
    for part in parts[1:]:
        if out and out[-1].isascii() and out[-1].isalnum() and part[:1].isascii() and part[:1].isalnum():
            out += " " + part
        else:
            out += part
    return out


_HTML_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg",
              "button", "select", "template")
_HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "td", "dd", "dt")


def html_lines(text: str) -> list[Line]:
    """HTML → the main text only: headings and paragraphs of <article>/<main>/<body>, no navigation."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(_HTML_DROP):
        tag.decompose()
    landmarks = re.compile("^(navigation|banner|contentinfo|complementary)$")
    for tag in soup.find_all(True, attrs={"role": landmarks}):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    lines: list[Line] = []
    for block in root.find_all(_HTML_BLOCKS):
        # A block inside another block (a <p> in an <li>) was already taken with its parent.
        if block.find_parent(_HTML_BLOCKS) is not None:
            continue
        content = " ".join(block.get_text(" ", strip=True).split())
        content = re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", content)
        if not content:
            continue
        level = int(block.name[1]) if block.name in ("h1", "h2", "h3", "h4", "h5", "h6") else None
        lines.append(Line(content, heading=level))
    if not lines:
        loose = root.get_text("\n", strip=True)
        lines = [Line(part) for part in loose.split("\n") if part.strip()]
    if page_title and not any(line.heading == 1 for line in lines):
        lines.insert(0, Line(page_title, heading=1))
    return lines
