"""Turn a source document into clean articles: whole paragraphs, sections, a title; no layout debris.

Scanned newspaper pages mix the article with photo captions, bylines, credits, headline fragments cut
off by the layout, and paragraphs broken across lines. The cleaner classifies every line, drops the
debris, re-joins broken paragraphs, and splits a page that holds several articles. Kept paragraphs keep
their characters: only the line breaks inside a paragraph and the indentation around it go.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from index.furniture import Metadata, find_dateline, is_meta_line, meta_of_line, strip_furniture
from index.lazy import lazy_pattern
from index.loading import SourceDocument
from index.patterns import compiled
from index.records import CleanArticle, Paragraph
from index.sentences import pieces
from index.settings import MAX_PARAGRAPH_CHARS

# A body paragraph ends a sentence; a line that stops without one is a fragment, heading or broken line.
SENTENCE_END = "。！？!?；;…"
CLOSERS = "”’」』）)】\"'"
_CAPTION_MARK = compiled(r"^[◀▶◁▷▲△▼▽←→↑↓☆★◆◇●○]")
_CREDIT_LEAD = compiled(
    r"^[□■◇◆◎●\s]*(?:(?:本报|本刊|半岛|新华社|中新社|人民网)?(?:文字?|图片?|摄影?|记者|通讯员|实习生|编辑|责编|"
    r"责任编辑|校对|审核|来源|视频|制图|美编)\s*[/／:：|｜]"
    r"|[□■◇◆◎]\s*(?:本报|半岛)?(?:记者|通讯员))"
)
_CREDIT_ONLY = compiled(
    r"^[（(]?\s*(?:本报|本刊|半岛|新华社|中新社)?(?:记者|通讯员|实习生|特约记者)"
    r"(?:[\s、,，]*[\u4e00-\u9fff·]{2,4})*\s*[）)]?$"
)
_CREDIT_TAIL = compiled(r"(?:供图|提供|摄影?|报道|整理)\s*[）)]?$")
_SECTION_LIKE = lazy_pattern(r"^[\u4e00-\u9fff]{2,8}\s*[:：]\s*\S")
_CJK = compiled(r"[\u3400-\u9fff]")
# Lines at most this long that do not end a sentence are headings or fragments, never body text.
SHORT_LINE = 36
TITLE_MAX = 60


class Kind(Enum):
    BODY = "body"
    SHORT = "short"
    CAPTION = "caption"
    CREDIT = "credit"
    HEADING = "heading"
    # Publication metadata ("发布时间：… 来源：…", a dateline alone on its line): read, then dropped.
    META = "meta"


@dataclass
class _Item:
    text: str
    kind: Kind
    level: int | None = None
    # A blank line (or several) came before this line in the source.
    gap: bool = False
    meta: Metadata | None = None


def classify(text: str) -> Kind:
    """Classify one stripped line of plain text."""
    if _CAPTION_MARK.match(text):
        return Kind.CAPTION
    if _CREDIT_LEAD.match(text) or _CREDIT_ONLY.match(text):
        return Kind.CREDIT
    if len(text) <= 24 and _CREDIT_TAIL.search(text) and not _ends_sentence(text):
        return Kind.CREDIT
    if _ends_sentence(text) and len(text) >= 8:
        return Kind.BODY
    if len(text) > SHORT_LINE:
        return Kind.BODY
    # Headlines rarely hold clause commas; a longish line with them is a paragraph the layout broke.
    if len(text) >= 20 and re.search(r"[，,；;]", text) and not _unbalanced_quote(text):
        return Kind.BODY
    return Kind.SHORT


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip(CLOSERS + " ")
    return bool(stripped) and stripped[-1] in SENTENCE_END


def _unbalanced_quote(text: str) -> bool:
    return text.count("“") > text.count("”") or text.count("「") > text.count("」")


def _items(document: SourceDocument) -> list[_Item]:
    items: list[_Item] = []
    gap = False
    for line in document.lines:
        text = line.text.strip().strip("\u3000").strip()
        if not text:
            gap = True
            continue
        if line.heading is not None:
            items.append(_Item(text, Kind.HEADING, line.heading, gap))
            gap = False
            continue
        meta = _meta_line(text)
        if meta is not None:
            items.append(_Item(text, Kind.META, None, gap, meta))
            gap = False
            continue
        kept = strip_furniture(text)
        if kept is None:
            # Page furniture a copy-paste kept (字号, 举报, 【打印】【关闭】): not article text. A credit
            # line still tells where one article of a newspaper page ends.
            if classify(text) is Kind.CREDIT:
                items.append(_Item(text, Kind.CREDIT, None, gap))
            continue
        kind = classify(kept)
        if document.structured and kind is Kind.SHORT:
            # Markup already says this is a paragraph: a short one is still body text.
            kind = Kind.BODY
        items.append(_Item(kept, kind, None, gap))
        gap = False
    return items


def _meta_line(text: str) -> Metadata | None:
    """What a metadata line or a lone dateline says; None for any other line."""
    if is_meta_line(text):
        return meta_of_line(text)
    if len(text) <= SHORT_LINE and not _ends_sentence(text):
        dateline = find_dateline(text + "。")
        if dateline is not None and dateline.length >= len(text):
            return dateline.meta
    return None


def _join(left: str, right: str) -> str:
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return left + " " + right
    return left + right


def _merge_broken(items: list[_Item]) -> list[_Item]:
    """Re-join body paragraphs that the layout broke across lines (and blank lines)."""
    merged: list[_Item] = []
    for item in items:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev.kind is Kind.BODY
            and not _ends_sentence(prev.text)
            and item.kind in (Kind.BODY, Kind.SHORT)
            and not _SECTION_LIKE().match(item.text)
            and (item.kind is Kind.BODY or _ends_sentence(item.text))
        ):
            prev.text = _join(prev.text, item.text)
            prev.kind = Kind.BODY
            continue
        merged.append(_Item(item.text, item.kind, item.level, item.gap, item.meta))
    return merged


def _resolve_short(items: list[_Item]) -> None:
    """A short line followed by body text (maybe after more headings) is a heading; else a fragment."""
    for i, item in enumerate(items):
        if item.kind is not Kind.SHORT:
            continue
        nxt, steps = i + 1, 0
        # A metadata line between a headline and its text ("发布时间：…") does not count as a line.
        while nxt < len(items) and (items[nxt].kind is Kind.META or (items[nxt].kind in (Kind.SHORT, Kind.HEADING)
                                                                     and steps < 2)):
            steps += items[nxt].kind is not Kind.META
            nxt += 1
        followed_by_body = nxt < len(items) and items[nxt].kind is Kind.BODY
        if followed_by_body and not _unbalanced_quote(item.text) and _CJK.search(item.text):
            item.kind = Kind.HEADING
        else:
            item.kind = Kind.CAPTION  # a headline fragment: debris like a caption


@dataclass
class _Draft:
    title: str | None
    paragraphs: list[tuple[str, str | None]]
    meta: Metadata = field(default_factory=Metadata)


def _split_articles(items: list[_Item], structured: bool) -> list[_Draft]:
    drafts: list[_Draft] = []
    current = _Draft(None, [])
    section: str | None = None
    # Debris seen since the last body paragraph: a byline or a cut headline there starts a new article.
    debris_since_body = False
    headings_since_body: list[_Item] = []
    # Metadata lines belong to the article whose text follows them, or else to the one they close.
    pending = Metadata()
    for item in items:
        if item.kind is Kind.META:
            pending = pending.merged(item.meta or Metadata())
            debris_since_body = debris_since_body or bool(current.paragraphs)
        elif item.kind is Kind.BODY:
            if current.paragraphs and debris_since_body and not structured:
                drafts.append(current)
                current = _Draft(None, [])
                section = None
            current.meta, pending = current.meta.merged(pending), Metadata()
            if headings_since_body:
                section = _apply_headings(current, headings_since_body, section)
                headings_since_body = []
            current.paragraphs.append((item.text, section))
            debris_since_body = False
        elif item.kind is Kind.HEADING:
            headings_since_body.append(item)
        elif item.kind is Kind.CREDIT or (item.kind is Kind.CAPTION and not _CAPTION_MARK.match(item.text)):
            # Captions alone sit inside articles; bylines and cut headlines sit between them.
            debris_since_body = True
    if current.paragraphs:
        current.meta = current.meta.merged(pending)
        drafts.append(current)
    return drafts


def _apply_headings(draft: _Draft, headings: list[_Item], section: str | None) -> str | None:
    """Headings before the first paragraph give the title; later ones open a section.

    A plain line between the headline and the text (a subtitle, or the line naming who speaks in a
    transcript: "新闻发言人 武平") opens the first section, unless it ends in a colon ("女士们、先生们："):
    it is not lost, and who-said-what reads it.
    """
    if draft.title is None and not draft.paragraphs:
        explicit = [h for h in headings if h.level is not None]
        if explicit:
            top = min(h.level or 1 for h in explicit)
            titles = [h for h in explicit if h.level == top]
            draft.title = titles[0].text
            after = headings[headings.index(titles[0]) + 1 :]
            rest = [h for h in explicit if h is not titles[0]] or [
                h for h in after if h.level is None and h.text.rstrip()[-1:] not in "：:"
            ]
            return rest[-1].text if rest else section
        # The last heading line is the headline; one before it ending in a colon is a kicker.
        draft.title = headings[-1].text
        return section
    return headings[-1].text


def _fallback_title(paragraphs: list[tuple[str, str | None]], name: str) -> str:
    """With no headline (cut off by the layout), the opening clauses of the text name the article."""
    first = paragraphs[0][0] if paragraphs else name
    title = ""
    for clause in re.findall(r"[^。！？!?；;，,：:]+[。！？!?；;，,：:]?", first):
        title += clause
        if len(title.rstrip("。！？!?；;，,：:")) >= 12:
            break
    title = title.rstrip("。！？!?；;，,：:")
    return title if len(title) <= 30 else title[:30] + "…"


def _first_line_title(items: list[_Item]) -> None:
    """A plain file's first line, if it reads as a headline, is the title even with a comma or a ？ in it.

    A line ending in a colon is a kicker over the headline ("……座谈会上王清宪表示："), not the title.
    """
    first = next((item for item in items if item.kind is not Kind.META), None)
    if (
        first is not None
        and first.kind in (Kind.BODY, Kind.SHORT)
        and 4 <= len(first.text) <= TITLE_MAX
        # Headlines end in ？ or ！ often, in 。 never.
        and (not _ends_sentence(first.text) or first.text.rstrip(CLOSERS)[-1:] in "？！?!")
        and "。" not in first.text
        and first.text[-1] not in "：:，,、"
        and _CJK.search(first.text)
        and not _unbalanced_quote(first.text)
        and len(items) > 1
    ):
        first.kind, first.level = Kind.HEADING, 1


def clean_document(
    document: SourceDocument, make_id: Callable[[int], str], fallback_name: str,
    max_paragraph_chars: int = MAX_PARAGRAPH_CHARS,
) -> list[CleanArticle]:
    """Clean one document into its articles; ``make_id(k)`` names the k-th article (0-based).

    A paragraph longer than ``max_paragraph_chars`` becomes several, split at sentence ends.
    """
    items = _items(document)
    if not document.structured:
        _first_line_title(items)
        items = _merge_broken(items)
        _resolve_short(items)
    drafts = _split_articles(items, document.structured)
    articles: list[CleanArticle] = []
    for k, draft in enumerate(drafts):
        title = draft.title if draft.title and len(draft.title) <= TITLE_MAX else None
        title = title or _fallback_title(draft.paragraphs, fallback_name)
        meta = draft.meta.merged(document.meta)
        # A dateline opens the first paragraph: metadata, kept in the verbatim text, never quoted.
        dateline = find_dateline(draft.paragraphs[0][0], _year(meta.date))
        if dateline is not None:
            meta = meta.merged(dateline.meta)
        paragraphs: list[Paragraph] = []
        offset = 0
        split = [(piece, section) for text, section in draft.paragraphs for piece in pieces(text, max_paragraph_chars)]
        for number, (text, section) in enumerate(split):
            lead = dateline.length if dateline is not None and number == 0 else 0
            paragraphs.append(Paragraph(number, text, section, offset, offset + len(text), lead))
            offset += len(text) + 2  # paragraphs are joined by a blank line
        articles.append(
            CleanArticle(make_id(k), title, str(document.path), paragraphs,
                         date=meta.date, outlet=meta.outlet, author=meta.author, url=document.url)
        )
    return articles


def _year(date: str | None) -> int | None:
    return int(date[:4]) if date else None
