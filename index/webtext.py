"""A news page's body: trafilatura's blocks (gne's where trafilatura finds no prose), then our rules.

trafilatura finds the article container and its paragraphs well, but keeps what portals put inside
or right after that container: related-news lists, comment prompts, editor and copyright lines. Our
rules on top, measured on real portal pages (benchmarks/extraction.py):

1. furniture lines go (index/furniture.py: editor, source, share, copyright, print/font widgets…);
2. link lists go: a block whose text is mostly link text is navigation or a related-news list;
3. the body is the best-scoring contiguous run of blocks, where prose (sentences) scores its length
   and everything else scores against it, so a headline list after the article ends the run;
4. the run is trimmed to start and end on prose: no trailing captions or headlines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from lxml import etree

from index.furniture import CLOSERS, ends_sentence, is_furniture, strip_furniture

_BLOCKS = {"p", "head", "item", "cell", "quote", "code", "list", "table", "row", "div", "main", "doc"}
_LEAVES = {"p", "head", "item", "cell", "quote", "code"}
_SPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
# Under this much prose, trafilatura missed the article (e.g. a page that hides it until scripts run).
MIN_PROSE = 150
# What portals put after an article: a run of prose crosses such a heading only for a lot more prose.
ENDS_ARTICLE = re.compile(
    r"^(?:相关(?:新闻|阅读|推荐|文章|资讯|报道|链接)|推荐阅读|延伸阅读|热点新闻|热门推荐|猜你喜欢|精彩推荐|为你推荐"
    r"|网友评论|新闻评论|热门评论|最新评论|热门文章|最新文章|.{0,4}最近文章)\s*[:：]?$"
)
END_PENALTY = 120.0
# A subheading is at most this long, and a paragraph after one at least that long.
SUBHEADING_MAX = 30
FULL_PARAGRAPH = 40
CLAUSE_END = "，,、：:"
_SIGNATURE = re.compile(r"(?<=[。！？!?…”」』])\s*(?:——|—|--)\s*[\u4e00-\u9fff·A-Za-z ]{1,12}$")
_STAMP = re.compile(r"(?:19|20)\d\d-\d{1,2}-\d{1,2}")
SHORT_DISCOUNT = 2.0


@dataclass(frozen=True)
class Block:
    """One paragraph or heading of the page; ``links`` counts the characters inside links."""

    text: str
    heading: bool = False
    links: int = 0
    item: bool = False


def tidy(text: str) -> str:
    """Collapse every whitespace run (NBSP, ideographic space, line breaks…) to one space."""
    return _SPACE.sub(" ", text).strip()


def blocks_of(body: etree._Element) -> list[Block]:
    """trafilatura's XML body → leaf blocks in document order (``<lb/>`` also breaks a block)."""
    out: list[Block] = []
    raw: list[str] = []

    def flush(parts: list[str], links: int, element: etree._Element) -> None:
        raw.append("".join(parts))
        text = tidy(raw[-1])
        if text:
            out.append(Block(text, element.tag == "head", min(links, len(text)), element.tag == "item"))

    def walk(element: etree._Element) -> None:
        parts: list[str] = [element.text or ""]
        links = 0
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in _BLOCKS:
                flush(parts, links, element)
                parts, links = [], 0
                walk(child)
            elif tag == "lb":
                flush(parts, links, element)
                parts, links = [], 0
            else:
                inner = "".join(child.itertext())
                parts.append(inner)
                if tag == "ref":
                    links += len(tidy(inner))
            parts.append(child.tail or "")
        flush(parts, links, element)

    walk(body)
    if len(out) == 1:
        # trafilatura's baseline: the whole page as one block, its lines still apart.
        lines = [tidy(part) for text in raw for part in text.split("\n")]
        return [Block(line) for line in lines if line]
    return out


# A line that may open the first section: Chinese words and spaces only (no date, no source, no link).
_OPENING_LINE = re.compile(r"[\u4e00-\u9fff·][\u4e00-\u9fff· \u3000]{3,29}")
# A byline names who wrote the article, not who speaks in it.
_BYLINE = re.compile("记者|编辑|责编|通讯员|作者|来源|特约|实习生")


def is_prose(block: Block) -> bool:
    """Sentences, or a clause of one: ends in 。！？ or in ，：、 (a one-clause-per-line post), or is long."""
    if block.heading:
        return False
    # A closing quotation signed "——汪勇" still ends on its sentence.
    text = _SIGNATURE.sub("", block.text).rstrip(CLOSERS + " ")
    return (len(text) >= 2 and (ends_sentence(text) or text[-1] in CLAUSE_END)) or (
        len(text) >= 40 and re.search(r"[，,；;]", text) is not None
    )


def _linky(block: Block) -> bool:
    """Mostly link text, or a list of linked headlines with their timestamps."""
    return block.links * 2 >= len(block.text) or (block.links > 0 and len(_STAMP.findall(block.text)) >= 2)


def _score(block: Block) -> float:
    if ENDS_ARTICLE.match(block.text):
        return -END_PENALTY
    if _linky(block) or is_furniture(block.text):
        return -float(max(len(block.text), 10))
    if is_prose(block):
        return float(len(block.text))
    if block.heading:
        return -2.0
    # A short line that is not a sentence: a caption, a subheading, a headline of another article.
    return -min(len(block.text), 30) / (1.0 if block.item else SHORT_DISCOUNT)


def _stops(block: Block) -> bool:
    return ENDS_ARTICLE.match(block.text) is not None or _linky(block) or is_furniture(block.text)


def main_run(blocks: list[Block]) -> list[Block]:
    """The body: the best-scoring run of blocks, cleaned of furniture, starting and ending on prose."""
    # Furniture stays in place (it ends a run); credit tails come off the paragraphs that carry them.
    blocks = [b if (kept := strip_furniture(b.text)) is None else replace(b, text=kept) for b in blocks]
    best, best_span = 0.0, (0, 0)
    total, start = 0.0, 0
    for i, block in enumerate(blocks):
        if total <= 0:
            total, start = 0.0, i
        total += _score(block)
        if total > best:
            best, best_span = total, (start, i + 1)
    lo, hi = best_span
    run = [b for b in blocks[lo:hi] if not _stops(b)]
    opening: Block | None = blocks[lo - 1] if lo > 0 else None
    while run and not is_prose(run[0]):
        opening = run.pop(0)
    while run and not is_prose(run[-1]):
        run.pop()
    if run and opening is not None and _OPENING_LINE.fullmatch(opening.text) and not _BYLINE.search(opening.text):
        # A plain line right above the text (a subtitle, "新闻发言人 武平" over a transcript) opens its
        # first section, as in .txt files: who-said-what reads it.
        run.insert(0, replace(opening, heading=True))
    return run


def is_subheading(blocks: list[Block], i: int) -> bool:
    """A short line, no sentence, between a finished sentence and a full paragraph: a section name.

    A kicker and a subheading may stand together ("你知道吗" / "《一分钱》“一分钱不要”"). Posts written
    one clause a line ("这么高大上的邮轮母港" / "开始搓搓手了！") have short lines after such a line,
    not a paragraph: there it is text, kept for quoting.
    """
    if blocks[i].heading:
        return True

    def short(k: int) -> bool:
        return not is_prose(blocks[k]) and len(blocks[k].text) <= SUBHEADING_MAX and not blocks[k].heading

    if not short(i):
        return False
    first = i
    while first > 0 and i - first < 2 and short(first - 1):
        first -= 1
    last = i
    while last + 1 < len(blocks) and last - first < 2 and short(last + 1):
        last += 1
    if last + 1 >= len(blocks):
        return False
    after = blocks[last + 1]
    before = blocks[first - 1] if first > 0 else None
    before_ends = before is None or before.heading or ends_sentence(before.text.rstrip(CLOSERS + " "))
    return before_ends and is_prose(after) and len(after.text) >= FULL_PARAGRAPH


def prose_chars(blocks: list[Block]) -> int:
    return sum(len(b.text) for b in blocks if is_prose(b))


def text_blocks(text: str) -> Iterator[Block]:
    """Plain extracted text (gne's) → blocks, one per line."""
    for line in text.splitlines():
        cleaned = tidy(line)
        if cleaned:
            yield Block(cleaned)
