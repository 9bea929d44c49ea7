"""Evidence that a passage answers a question, measured the same way in one article or in 100,000.

The retrieval scores rank passages, but what they mean depends on the corpus: BM25's idf on one article
says little, and a term the index never saw weighs as its rarest. Whether a passage answers at all is
judged instead from what the passage itself holds: the question's content words (question words
removed), every content segment (a place or name the passage lacks is a different question:
"重庆的高温津贴" against a passage about 山东), the numbers and Latin words the question names, the
kind of answer asked for (a number for 多少, a date for 哪年…), and the meaning similarity of the
best chunk. None of these depends on the other passages of the index.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import lru_cache

from index.normalization import STOPWORDS
from index.questions import AnswerType, Question
from index.speakers.names import plausible_name
from index.speakers.vocabulary import TITLE_AT_END_RE, TITLES, alternation

_CJK = "\u4e00-\u9fff"
# Numbers and Latin words the question names must be in the passage as they are: "神舟十九号" is not
# answered by 神舟十八号, "iPhone 15" not by iPhone 14.
_EXACT_RE = re.compile(
    "[0-9０-９]+(?:[.．][0-9]+)?|[a-z][a-z0-9.+-]*|[零一二两三四五六七八九十百千万亿]{2,}"
    "|[零一二两三四五六七八九十百千]+(?=[号届期代])"
)
# What a passage holds when it answers each kind of question (the question's own words blanked out).
_HOLDS: dict[AnswerType, re.Pattern[str]] = {
    "number": re.compile(
        r"\d|[零一二两三四五六七八九十百千万亿]+[个位名次种条家所项倍岁年天米公人元%％层块级亿万]|[半几数]"
    ),
    "duration": re.compile(r"\d|[零一二两三四五六七八九十百半]+(?:个)?[年月天日周小时分秒]|[年月天日周小时]"),
    "date": re.compile(
        r"\d{1,4}\s*[年月日号]|[〇零一二三四五六七八九十]+[年月日号]|[今昨明前]天|[今去前明]年|世纪|年代|月份"
        r"|周[一二三四五六日]"
    ),
    "place": re.compile(f"[省市县区州国岛山河湖海港镇村洲路街楼]|位于|地处|坐落|[在于从到][{_CJK}]{{2,}}"),
    # A name: after a title, before a speech verb, or dotted. Checked on the passage as it is, with the
    # name itself required to be outside the question ("烟台市委书记是谁" → 烟台市委书记张术平).
    "person": re.compile(
        f"(?:{alternation(TITLES)})(?P<after>[{_CJK}]{{2,3}})|(?P<before>[{_CJK}]{{2,3}})(?:说|表示|指出|认为|介绍|称)"
        f"|[·•][{_CJK}]"
    ),
    "statement": re.compile(r"说|表示|指出|认为|强调|介绍|称|“|「"),
    "reason": re.compile(r"因为|由于|因此|所以|导致|造成|原因|为了|因"),
    "role": re.compile(r"长|书记|主任|主席|委员|总裁|总监|经理|董事|部长|局长|厅长|省长|市长|院长|代表|员"),
}
FEATURES = ("content", "pairs", "segments", "weakest", "first", "absent", "exact", "typed", "dense", "length")


@dataclass(frozen=True)
class Evidence:
    """What a passage holds of a question (each 0..1 except ``dense``, a raw cosine, and ``length``)."""

    content: float  # share of the content characters in the passage
    pairs: float  # share of the content character pairs
    segments: float  # mean, over content segments, of the longest part found (as a share of it)
    weakest: float  # the least-found content segment of two characters or more
    first: float  # how much of the first such segment is found: what the question is about, mostly
    absent: float  # 1 when none of that first segment is in the passage ("重庆" of "重庆的高温津贴")
    exact: float  # share of the numbers and Latin words found verbatim (1 when there are none)
    typed: float  # 1 when the passage holds the asked-for kind of answer, 0 when not, 0.5 when none asked
    dense: float  # cosine of the passage's best chunk
    length: float  # log(1 + content characters): short questions carry less evidence

    def vector(self) -> tuple[float, ...]:
        # Not dataclasses.astuple: it deep-copies every field, and this runs for every passage scored.
        return tuple(getattr(self, name) for name in _EVIDENCE_FIELDS)


_EVIDENCE_FIELDS = tuple(f.name for f in fields(Evidence))


def _longest_found(segment: str, text: str) -> int:
    """The length of the longest part of ``segment`` that ``text`` contains."""
    # Bisect on the length: when a part of some length is found, its prefixes are found too.
    lo, hi = 0, len(segment)
    while lo < hi:
        size = (lo + hi + 1) // 2
        if any(segment[i : i + size] in text for i in range(len(segment) - size + 1)):
            lo = size
        else:
            hi = size - 1
    return lo


def _blank(text: str, segments: tuple[str, ...]) -> str:
    for segment in sorted(segments, key=len, reverse=True):
        if len(segment) >= 2:
            text = text.replace(segment, " " * len(segment))
    return text


def _typed(question: Question, passage: str, segments: tuple[str, ...]) -> float:
    """1 when the passage holds the kind of answer asked for, 0 when it does not, 0.5 when none is asked."""
    holds = _HOLDS.get(question.asks) if question.asks else None
    if holds is None:
        return 0.5
    if question.asks != "person":
        return float(bool(holds.search(_blank(passage, segments))))
    asked = "".join(segments)
    for m in holds.finditer(passage):
        name = m.group("after") or m.group("before")
        if name is None:
            return 1.0  # a dotted name
        if (plausible_name(name) or plausible_name(name[:2])) and not any(c in asked for c in name):
            return 1.0
    return 0.0


# Function characters between two content words ("包头对生二孩家庭补贴", "比亚迪在冰岛投资"): a segment
# is measured in the pieces between them, so a place or company the passage lacks stands out.
_JOINS_RE = re.compile(f"(?<=[{_CJK}]{{2}})[是跟对在把被给向从和与及让为将](?=[{_CJK}]{{2}})")


# A preposition opening a piece, or 为 closing one ("在网球中", "单位为"), is not what must be found.
_EDGES_RE = re.compile(f"^(?:在|于|从|由|让|被|把|对|向|给|将|有关|如果|关于)(?=[{_CJK}]{{2}})|(?<=[{_CJK}]{{2}})为$")


def pieces(segments: tuple[str, ...]) -> tuple[str, ...]:
    """Content segments cut at the function characters between two content words, without the
    prepositions at their edges."""
    return tuple(_EDGES_RE.sub("", p) for s in segments for p in _JOINS_RE.split(s) if p)


@dataclass(frozen=True)
class _Parts:
    """What evidence looks for of one question, worked out once for all the passages it is measured on."""

    segments: tuple[str, ...]
    chars: tuple[str, ...]
    pairs: tuple[str, ...]
    exact_words: tuple[str, ...]


_CJK_CHAR_RE = re.compile(f"[{_CJK}]")
_CJK_PAIR_RE = re.compile(f"[{_CJK}]{{2}}")


@lru_cache(maxsize=256)
def _parts(content: tuple[str, ...]) -> _Parts:
    segments = pieces(tuple(s.lower() for s in content))
    chars = tuple(c for s in segments for c in s if _CJK_CHAR_RE.match(c) and c not in STOPWORDS)
    pairs = tuple(s[i : i + 2] for s in segments for i in range(len(s) - 1) if _CJK_PAIR_RE.fullmatch(s[i : i + 2]))
    # Full-width digits and dots ("２．５") are the same number as "2.5".
    exact_words = tuple(unicodedata.normalize("NFKC", w) for s in segments for w in _EXACT_RE.findall(s))
    return _Parts(segments, chars, pairs, exact_words)


def measure(question: Question, passage: str, cosine: float, wide: str | None = None) -> Evidence:
    """The evidence that ``passage`` (simplified, lower-cased; title and section included) answers;
    ``wide`` is the passage NFKC-normalised, when the caller keeps it."""
    parts = _parts(tuple(question.content))
    segments, chars, pairs, exact_words = parts.segments, parts.chars, parts.pairs, parts.exact_words
    content = sum(c in passage for c in chars) / len(chars) if chars else 0.0
    pair_share = sum(p in passage for p in pairs) / len(pairs) if pairs else content
    found = [_longest_found(s, passage) for s in segments]
    shares = [f / len(s) for f, s in zip(found, segments, strict=True) if s]
    long_shares = [f / len(s) for f, s in zip(found, segments, strict=True) if len(s) >= 2]
    if exact_words and wide is None:
        wide = unicodedata.normalize("NFKC", passage)
    exact = sum(w in wide for w in exact_words) / len(exact_words) if exact_words and wide is not None else 1.0
    typed = _typed(question, passage, segments)
    first = long_shares[0] if long_shares else (shares[0] if shares else 0.0)
    return Evidence(
        content=content,
        pairs=pair_share,
        segments=sum(shares) / len(shares) if shares else 0.0,
        weakest=min(long_shares) if long_shares else (shares[0] if shares else 0.0),
        first=first,
        absent=float(first == 0.0),
        exact=exact,
        typed=typed,
        dense=cosine,
        length=math.log1p(len(chars)),
    )


def asked_role(question: Question) -> str | None:
    """The title whose holder a question asks for ("普光苏州的总经理叫什么名字" → 总经理), or None."""
    if question.asks != "person" or question.speaker is not None:
        return None
    for segment in question.content:
        m = TITLE_AT_END_RE.search(segment.lower())
        if m is not None:
            return m.group()
    return None


def names_holder(passage: str, title: str, known: Iterable[str] = ()) -> bool:
    """Whether ``passage`` names someone with ``title``: a name right after it ("总经理王强", "市长为
    王强"), or right before it ("王强总经理"); a name the article is known to hold, or a plausible one."""
    names = tuple(n for n in known if len(n) >= 2)
    for m in re.finditer(re.escape(title), passage):
        after = re.match(f"(?:是|为|由)?([{_CJK}·•]{{2,8}})", passage[m.end() :])
        if after is not None:
            run = after.group(1)
            if run.startswith(names) or "·" in run[:6] or "•" in run[:6]:
                return True
            if plausible_name(run[:3]) or plausible_name(run[:2]):
                return True
        before = passage[max(0, m.start() - 4) : m.start()]
        if before.endswith(names) or plausible_name(before[-3:]) or plausible_name(before[-2:]):
            return True
    return False
