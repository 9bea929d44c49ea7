"""Passage → quote: the smallest run of whole sentences of the paragraph that answers the question.

Every run of up to five consecutive sentences within a length budget is a candidate. A candidate scores
by the share of the question's term weight it contains (words that only name the article's topic count
little: they find the paragraph, not the sentence), by whether it holds the kind of answer the question
asks for (谁 → a person, 哪一年 → a date, 多少 → a number, 哪里 → a place, 为什么 → a cause…), and by the
meaning similarity of its best sentence; a longer run wins only when it adds evidence. Quotes are cut
from the article's own text, in its own script.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from functools import lru_cache

from index.normalization import to_simplified
from index.records import Calibration, Paragraph, Quote
from index.search import PassageHit, Query, Searcher
from index.sentences import bounded_end, split_sentences

# The weights below were measured on CMRC 2018 and DRCD dev (benchmarks/README.md): longer runs hold
# the answer more often, so a run may grow to MAX_RUN_CHARS as long as every sentence it adds brings
# question words or meaning; between equal runs the shorter wins. Median quotes: 87 and 112 characters.
MAX_SENTENCES = 5
# Runs longer than this are candidates only as single sentences.
MAX_RUN_CHARS = 200
EXTRA_SENTENCE_COST = 0.0
TYPE_BONUS = 0.05
DENSE_BONUS = 0.3
# Question words that name the article's topic (its title or section) find the paragraph, not the
# sentence: within the paragraph they count this much.
TOPIC_DISCOUNT = 0.1
LENGTH_TIEBREAK = 1e-5
# A lone sentence this short rarely stands on its own: it takes a neighbour.
SHORT_SENTENCE = 12

# (kind, what the question asks, what an answering sentence holds), most specific first: a question
# about a cause is answered by a sentence with 因为/由于, an alias by 又称/别名, a creator by 创作/执导.
_ANSWER_TYPES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    (
        "alias",
        re.compile(r"又(?:叫|称|名)|别(?:名|称)|简称|俗称|[还也](?:叫|称)|原名|旧称|全称|学名|英文名|称为什么|叫什么"),
        re.compile(r"又称|又名|又叫|别称|别名|简称|俗称|亦称|或称|也叫|也称|原名|旧称|全称|学名|英文|称为|统称|译"),
    ),
    (
        "cause",
        re.compile(r"为什么|为何|原因|病因|起因|怎么会|因何|什么导致"),
        re.compile(r"因为|由于|因此|所以|导致|造成|起因|原因|为了|因"),
    ),
    (
        "creator",
        re.compile(r"作者|谁(?:写|创作|设计|发明|创立|创办|建立|执导|导演|演唱|主演|开发|发行|出版)|由谁|是谁的|谁的作品"
                   r"|哪(?:家|个)(?:公司|出版社|厂商)|开发商|出品"),
        re.compile(r"作者|创作|撰|著|编写|设计|发明|创立|创办|建立|执导|导演|演唱|主演|开发|发行|出版|出品|制作|所写"),
    ),
    (
        "kin",
        re.compile(r"(?:母亲|父亲|儿子|女儿|妻子|丈夫|哥哥|弟弟|姐姐|妹妹|祖父|祖母|孙子|父母|配偶)(?:是谁|叫什么)"),
        re.compile(r"[母父子女妻夫兄弟姐妹祖孙嫁娶]|所生"),
    ),
    (
        "class",
        re.compile(r"属于(?:什么|哪)|哪个?(?:科|目|属|纲|门|类)|什么(?:科|目|属|纲|门|类)"),
        re.compile(r"[科目属纲门类]"),
    ),
    (
        "time",
        re.compile(r"哪一?年|何年|哪一?天|何时|什么时候|哪个时期|哪个朝代|几月|几号|哪一?月|年代|日期|哪个世纪"),
        re.compile(r"\d{1,4}\s*[年月日]|[〇零一二三四五六七八九十百千]+[年月日]|世纪|年代|朝|时期|春|夏|秋|冬|初|末"),
    ),
    (
        "number",
        re.compile(r"多少|几[个位名次种条家所项倍岁年天米公]|第几|多[大高长重远久宽深]|百分之几|多少钱"),
        re.compile(r"\d|[零一二两三四五六七八九十百千万亿]+[个位名次种条家所项倍岁年天米公人元%％]"),
    ),
    (
        "place",
        re.compile(r"哪里|哪儿|何地|何处|在哪|哪个(?:国家|城市|省|地区|地方)|哪(?:国|座城市|个州)|什么地方|什么位置|地址|位于"),
        re.compile(r"[省市县区州国岛山河湖海港镇村洲路街]|位于|地处|坐落"),
    ),
    (
        # "把X建成什么": the answer is the result of a 成 construction.
        "result",
        re.compile(r"[建变打造做搞发展][设成]?成(?:为)?(?:什么|啥|哪)|成为(?:什么|啥|哪)"),
        re.compile(r"成为|建成|打造成|建设成|变成|发展成|建设为|打造为"),
    ),
    (
        "person",
        re.compile(r"谁|哪位|何人|什么人|哪个人|哪些人"),
        re.compile(r"[\u4e00-\u9fff]{1,3}(?:说|表示|指出|认为|提出|发明|创立|担任|出任|主持|率领|执导|主演|导演|作者)"
                   r"|[·•][\u4e00-\u9fff]|[A-Z][a-z]+"),
    ),
)


@lru_cache(maxsize=1024)
def answer_type(question: str) -> tuple[str, re.Pattern[str]] | None:
    """The kind of answer a question asks for, and a pattern for text that holds one."""
    simplified = to_simplified(question)
    for name, asks, holds in _ANSWER_TYPES:
        if asks.search(simplified):
            return name, holds
    return None


@dataclass(frozen=True)
class QuoteWeights:
    """How candidate runs are scored (measured on the dev sets: benchmarks/README.md)."""

    extra_sentence_cost: float = EXTRA_SENTENCE_COST
    type_bonus: float = TYPE_BONUS
    dense_bonus: float = DENSE_BONUS
    max_run_chars: int = MAX_RUN_CHARS
    max_sentences: int = MAX_SENTENCES
    topic_discount: float = TOPIC_DISCOUNT


DEFAULT_WEIGHTS = QuoteWeights()


def select_run(
    paragraph: Paragraph,
    query: Query,
    chunk_cosine: dict[tuple[int, int], float],
    calibration: Calibration,
    weights: QuoteWeights = DEFAULT_WEIGHTS,
    topic: str = "",
    folded: str | None = None,
    folded_topic: str | None = None,
    memo: RunMemo | None = None,
) -> tuple[int, int]:
    """(start, end) within ``paragraph.text`` of the best run of whole sentences, after its dateline.

    ``chunk_cosine`` maps (start, end) spans of chunks, relative to the paragraph, to their cosine;
    ``topic`` is the article title and section, whose words say little about which sentence answers;
    ``folded`` and ``folded_topic``, when given, are the paragraph and topic simplified and lower-cased;
    ``memo``, when given, is shared by the passages of one question (``query``).
    """
    text = paragraph.text
    # A dateline opening the paragraph is metadata: runs start after it, as chunks do.
    lead = paragraph.lead
    spans = [(lo + lead, hi + lead) for lo, hi in split_sentences(text[lead:])] or split_sentences(text)
    if len(spans) <= 1:
        return spans[0] if spans else (0, len(text))
    if folded is None:
        folded = to_simplified(text).lower()
        if len(folded) != len(text):
            folded = text.lower()
    # A question term is present in a sentence when it occurs in it: no tokenising at question time.
    # Only terms of the whole paragraph can be in one of its sentences.
    inside = [t for t in query.terms if t in folded]
    if memo is None:
        memo = RunMemo(query)
    # The question's terms as bits of an int: a run's terms are the union of its sentences' masks.
    bit = memo.bits
    present = memo.masks(folded, spans)
    wanted = answer_type(query.text)
    typed = [False] * len(spans)
    if wanted is not None:
        # The question's own words are blanked, so a date the question names is not an answer.
        blanked = folded
        for term in sorted((t for t in inside if len(t) >= 2), key=len, reverse=True):
            blanked = blanked.replace(term, " " * len(term))
        typed = [bool(wanted[1].search(blanked[a:b])) for a, b in spans]
    dense = []
    for a, b in spans:
        cosine = max((c for (lo, hi), c in chunk_cosine.items() if lo < b and hi > a), default=calibration.floor)
        dense.append(calibration.scale(cosine))
    if folded_topic is None:
        folded_topic = to_simplified(topic).lower()
    term_weights = {
        t: w * (weights.topic_discount if t in folded_topic else 1.0) for t, w in query.weights.items()
    }
    # A run's terms are all in the paragraph, so weighing every term of the question adds the same ones.
    weighted = [(bit[t], w) for t, w in term_weights.items() if t in bit]
    total = sum(term_weights.values())
    usable = total > 0 and not math.isnan(total)
    # search.coverage of a set of terms, summed in the weights' order whatever the run: runs holding the
    # same terms score exactly alike, and the earlier one wins the tie. Many runs hold the same terms,
    # in this passage and in its reprints; the weights differ only by which terms the topic holds.
    coverage = memo.coverage.setdefault(memo.in_topic(folded_topic), {})
    best = (float("-inf"), 0, 0)
    for i in range(len(spans)):
        seen = 0
        covered = 0.0
        any_typed = False
        top_dense = dense[i]
        for j in range(i, min(i + weights.max_sentences, len(spans))):
            start, end = spans[i][0], spans[j][1]
            if j > i and end - start > weights.max_run_chars:
                break
            if present[j] & ~seen:
                seen |= present[j]
                if usable:
                    covered = coverage.get(seen, -1.0)
                    if covered < 0:
                        covered = coverage[seen] = sum(w for b, w in weighted if seen & b) / total
            any_typed = any_typed or typed[j]
            top_dense = max(top_dense, dense[j])  # as max(dense[i : j + 1]) is, NaN or not
            score = covered
            score += weights.type_bonus * any_typed
            score += weights.dense_bonus * top_dense
            score -= weights.extra_sentence_cost * (j - i)
            if j == i and end - start < SHORT_SENTENCE:
                score -= weights.extra_sentence_cost
            # Between runs that score alike, the shorter one: a sentence that adds nothing stays out.
            score -= LENGTH_TIEBREAK * (end - start)
            if score > best[0]:
                best = (score, start, end)
    return best[1], best[2]


class RunMemo:
    """What :func:`select_run` works out once per question and reuses for every passage it quotes: the
    terms each sentence holds (a reprint repeats sentences, even when it rotates them), and the
    coverage of each set of terms."""

    def __init__(self, query: Query) -> None:
        self.bits = {t: 1 << k for k, t in enumerate(dict.fromkeys(query.terms))}
        self._sentences: dict[str, int] = {}
        self.coverage: dict[tuple[str, ...], dict[int, float]] = {}
        self._weighted = tuple(query.weights)

    def in_topic(self, folded_topic: str) -> tuple[str, ...]:
        """The weighted terms a topic holds: all that a topic changes in how a run is weighed."""
        return tuple(t for t in self._weighted if t in folded_topic)

    def masks(self, folded: str, spans: list[tuple[int, int]]) -> list[int]:
        """Per sentence span, the bits of the question's terms that occur whole within it."""
        out = []
        for a, b in spans:
            sentence = folded[a:b]
            mask = self._sentences.get(sentence)
            if mask is None:
                mask = 0
                for term, bit in self.bits.items():
                    if term in sentence:
                        mask |= bit
                self._sentences[sentence] = mask
            out.append(mask)
        return out


def matched_spans(text: str, terms: list[str]) -> tuple[str, ...]:
    """The substrings of ``text`` that match the question's words, in the text's own script and order."""
    folded = to_simplified(text).lower()
    same_length = len(folded) == len(text)
    found: list[tuple[int, str]] = []
    for term in sorted({t for t in terms if len(t) >= 2}, key=lambda t: (-len(t), t)):
        at = folded.find(term)
        if at < 0:
            continue
        original = text[at : at + len(term)] if same_length else term
        if not any(original in longer for _, longer in found):
            found.append((at, original))
    return tuple(original for _, original in sorted(found))


class Quoter:
    """Quotes the passage hits of one question; a passage that repeats one already quoted (a reprint:
    the same text and scored chunks, and the same question terms in its title and section) gets the
    same run without choosing it again.

    The synthetic 1M-chunk archive, like a wire-fed one, carries each story about 60 times: the 15
    slowest questions there quoted 551 passages (``select_run`` about 1 ms each), most of them reprints
    of a few (benchmarks/README.md). What a run depends on is all in the key, so the quote is the same.
    """

    def __init__(self, query: Query, searcher: Searcher) -> None:
        self.query = query
        self.searcher = searcher
        self._runs: dict[tuple[object, ...], tuple[int, int, tuple[str, ...]]] = {}
        self._matched: dict[str, tuple[str, ...]] = {}
        self._memo = RunMemo(query)

    def quote(self, hit: PassageHit) -> Quote:
        searcher = self.searcher
        article = searcher.data.articles[hit.article_id]
        paragraph = article.paragraphs[hit.paragraph]
        chunk_cosine = {}
        for chunk_id, cosine in hit.chunk_cosines.items():
            start, end = searcher.layout.span(chunk_id)
            chunk_cosine[(start - paragraph.start, end - paragraph.start)] = cosine
        position = searcher.position(hit.article_id, hit.paragraph)
        folded_topic = searcher.topic(position)
        # The folded paragraph is a function of its text, the calibration and question are this quoter's,
        # and the topic (a reprint's own headline) counts only by which question terms it holds.
        key = (paragraph.text, paragraph.lead, self._memo.in_topic(folded_topic), tuple(sorted(chunk_cosine.items())))
        run = self._runs.get(key)
        if run is None:
            lo, hi = select_run(paragraph, self.query, chunk_cosine, searcher.data.calibration,
                                folded=searcher.folded(position), folded_topic=folded_topic, memo=self._memo)
            text = paragraph.text[lo:hi]
            matched = self._matched.get(text)
            if matched is None:
                # Reprints that differ elsewhere (a rotated paragraph) often yield the same sentence.
                matched = self._matched[text] = matched_spans(text, self.query.terms)
            run = self._runs[key] = (lo, hi, matched)
        lo, hi, matched = run
        return Quote(
            text=paragraph.text[lo:hi],
            article_id=article.article_id,
            title=article.title,
            section=paragraph.section,
            paragraph=paragraph.number,
            start=paragraph.start + lo,
            end=paragraph.start + hi,
            score=hit.score,
            context=paragraph.text,
            matched=matched,
        )


def bound_quote(quote: Quote, limit: int, focus: Collection[str] = ()) -> Quote:
    """``quote`` cut to whole sentences within ``limit`` characters (a statement can be a whole long
    paragraph); still a verbatim span of the article.

    The run kept is the leading one, unless a later run holds more of ``focus`` (the question's own
    words): "王清宪希望把胶东经济圈建成什么" keeps the sentence that says what he hopes for, wherever
    it stands in his long statement.
    """
    if len(quote.text) <= limit:
        return quote
    lo, hi = 0, bounded_end(quote.text, limit)
    if focus:
        simplified = to_simplified(quote.text)
        folded = (simplified if len(simplified) == len(quote.text) else quote.text).lower()
        spans = split_sentences(quote.text)
        best = sum(1 for f in focus if f in folded[lo:hi])
        for i, (start, _) in enumerate(spans):
            end = start
            for _, sentence_end in spans[i:]:
                if sentence_end - start > limit:
                    break
                end = sentence_end
            held = sum(1 for f in focus if f in folded[start:end]) if end > start else -1
            if held > best:
                lo, hi, best = start, end, held
    text = quote.text[lo:hi].strip()
    start = quote.start + quote.text.index(text, lo) if text else quote.start
    return replace(quote, text=text, start=start, end=start + len(text),
                   matched=tuple(m for m in quote.matched if m in text))


def after_lead(quote: Quote, paragraph: Paragraph) -> Quote | None:
    """``quote`` starting after its paragraph's dateline (``Paragraph.lead``), or None when it lies inside it.

    A statement found by who-said-what starts at its sentence, which may open with the dateline.
    """
    cut = paragraph.start + paragraph.lead
    if quote.start >= cut:
        return quote
    rest = quote.text[cut - quote.start :] if quote.end > cut else ""
    text = rest.lstrip(_LEAD_TRAILER)
    if not text:
        return None
    start = quote.start + len(quote.text) - len(text)
    return replace(quote, text=text, start=start, matched=tuple(m for m in quote.matched if m in text))


# What may separate a dateline from the text after it.
_LEAD_TRAILER = " \t\u3000，,：:、"
