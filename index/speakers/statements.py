"""Statements at index time: what each person says, as verbatim spans of whole sentences.

A speaker is named by a speech cue ("张海波说", "据…介绍", quoted speech), by pronoun ("他表示") or by
surname and title ("张书记说"). Statements are verbatim spans of the cleaned article text, so a quote
built from one can never contain a word the article does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from index.lazy import lazy_pattern
from index.patterns import compiled
from index.records import Paragraph
from index.sentences import sentence_start
from index.speakers.names import aliases as name_aliases
from index.speakers.names import plausible_name
from index.speakers.records import Person, SpeakerKind, Statement
from index.speakers.roles import best_role, role_chain_before
from index.speakers.vocabulary import (
    ADVERBIAL,
    ANSWER_LINE_RE,
    CJK,
    CLAUSE_OPENERS,
    CLAUSE_PUNCT,
    CONTINUED_CUE_RE,
    ENTITY_CUE_RE,
    FIRST_PERSON_RE,
    INTRODUCES_QUOTE_RE,
    MIN_STATEMENT_CJK,
    NOT_IN_SUBJECT,
    ORGANISATION_HEADS,
    PERSON_NOUNS,
    POSTFIX_TITLE_ALT,
    PRONOUN_CUE_RE,
    QUESTION_LINE_RE,
    QUOTATION_RE,
    QUOTE_CLOSE,
    QUOTE_OPEN,
    SPEECH_VERB,
    SURNAME_CUE_RE,
    SURNAMES,
    UNTITLED_CUE_RE,
)

# How sure a cue is of its speaker; of two cues for one verb, the surer wins.
_KNOWN, _UNTITLED, _ENTITY, _REFERENCE = 4, 3, 2, 1


@dataclass(frozen=True)
class _Cue:
    name: str | None  # None until a pronoun or a surname is resolved
    subject_start: int  # where the speaker is named (role included)
    verb_end: int
    pronoun: bool = False
    surname: str | None = None
    title: str | None = None
    trust: int = _KNOWN


def _known_cues(text: str, names: Sequence[str], aliases: Mapping[str, str] | None = None) -> list[_Cue]:
    """Cues of the people the article names; ``aliases`` map a short form ("卡斯特") to the name."""
    cues: list[_Cue] = []
    taken: list[tuple[int, int]] = []
    spelled = {name: name for name in names} | dict(aliases or {})
    for form in sorted(spelled, key=len, reverse=True):
        for start, end in cue_spans(text, form):
            name_at = text.index(form, start)
            if any(s <= name_at < e for s, e in taken):
                continue  # part of a longer known name
            taken.append((name_at, name_at + len(form)))
            units, chain_start = role_chain_before(text, name_at)
            subject = chain_start if units else start
            if units and subject > 0 and text[subject - 1] == "据":
                subject -= 1
            cues.append(_Cue(spelled[form], subject, end))
    return cues


# What follows a name that speaks: a title, 同志, when/where/to whom, the speech verb. Compiled once:
# a pattern per name and article was most of an index build's time in the speaker extraction.
_CUE_TAIL = compiled(f"(?:{POSTFIX_TITLE_ALT})?(?:同志)?{ADVERBIAL}{SPEECH_VERB}")


def cue_spans(text: str, form: str) -> Iterator[tuple[int, int]]:
    """The spans ``re.finditer("(?:据)?" + re.escape(form) + tail)`` would give (tail: ``_CUE_TAIL``), found
    by looking the name up and matching the compiled tail after it."""
    if not form:
        return
    if form.startswith("据"):  # where 据 is the name's own, the optional 据 in front changes the order
        pattern = compiled(f"(?:据)?{re.escape(form)}{_CUE_TAIL.pattern}")
        yield from ((m.start(), m.end()) for m in pattern.finditer(text))
        return
    searched = 0  # finditer goes on where its last match ended
    at = text.find(form)
    while at != -1:
        if at >= searched:
            tail = _CUE_TAIL.match(text, at + len(form))
            if tail is not None:
                start = at - 1 if at - 1 >= searched and text[at - 1] == "据" else at
                yield start, tail.end()
                searched = tail.end()
        at = text.find(form, at + 1)


def _continued_cues(text: str, names: Sequence[str]) -> list[_Cue]:
    """A speech verb whose clause goes on from the previous one's subject: "汲斌昌进行了最后陈述，并当庭
    表示认罪悔罪" is 汲斌昌's. Only when that clause opens with a known name."""
    cues: list[_Cue] = []
    for m in CONTINUED_CUE_RE.finditer(text):
        comma = m.start() - 1
        clause_start = max(text.rfind(p, 0, comma) for p in "，,。；;！？!?") + 1
        clause = text[clause_start:comma].lstrip()
        name = next((n for n in sorted(names, key=len, reverse=True) if _opens_with(clause, n)), None)
        if name is not None:
            cues.append(_Cue(name, clause_start, m.end(), trust=_UNTITLED))
    return cues


def _opens_with(clause: str, name: str) -> bool:
    """Whether a clause opens with ``name``, maybe after its role ("被告人赵刚…")."""
    at = clause.find(name)
    if at <= 0:
        return at == 0
    units, start = role_chain_before(clause, at)
    return bool(units) and start == 0


def untitled_cues(text: str, known: Iterable[str]) -> list[_Cue]:
    known_set = set(known)
    cues: list[_Cue] = []
    for m in UNTITLED_CUE_RE.finditer(text):
        name = m.group("name")
        if name in known_set or not plausible_name(name):
            continue
        cues.append(_Cue(name, m.start(), m.end(), trust=_UNTITLED))
    return cues


def entity_cues(text: str, known: Iterable[str]) -> list[_Cue]:
    """Speakers that are no named person: "苹果公司周二表示", "法国总工会负责人表示", "小男孩对民警说"."""
    known_list = [k for k in known if k]
    cues: list[_Cue] = []
    for m in ENTITY_CUE_RE.finditer(text):
        name, start = m.group("name"), m.start("name")
        opener = CLAUSE_OPENERS.match(name)
        if opener:
            name, start = name[opener.end() :], start + opener.end()
        if len(name) < 2 or NOT_IN_SUBJECT & set(name.replace("的", "")) or any(k in name for k in known_list):
            continue
        if name.endswith(_SINGLE_HEADS) and len(name) < 3:
            continue  # "该局", "本台": a pronoun of an organisation, not its name
        if _SURNAME_AND_TITLE_RE().fullmatch(name):
            continue  # "张书记": a person named before, for the surname cues to resolve
        cues.append(_Cue(name, start, m.end(), trust=_ENTITY))
    return cues


_SINGLE_HEADS = tuple(h for h in ORGANISATION_HEADS if len(h) == 1)
_SURNAME_AND_TITLE_RE = lazy_pattern(f"(?:[{CJK}]|老|小)(?:{POSTFIX_TITLE_ALT})|(?:老|小)[{CJK}]")


# Compiled once (index.patterns) rather than by re's cache on each first use.
_CJK_CHAR = compiled(f"[{CJK}]")
_SPEAKER_COLON = compiled(f"^\\s*(?P<who>[{CJK}A-Za-z·]{{1,16}}?)\\s*[：:]\\s*")

def entity_kind(name: str) -> SpeakerKind:
    """Whether a speaker found by :func:`entity_cues` is an organisation or an unnamed person."""
    if name.endswith(ORGANISATION_HEADS) and not name.endswith(PERSON_NOUNS):
        return "organisation"
    return "unnamed"


def _reference_cues(text: str) -> list[_Cue]:
    cues = [
        _Cue(None, m.start(), m.end(), pronoun=True, trust=_REFERENCE) for m in PRONOUN_CUE_RE.finditer(text)
    ]
    for m in SURNAME_CUE_RE.finditer(text):
        surname = m.group("bare") or m.group("surname")
        if surname in SURNAMES:
            cues.append(
                _Cue(None, m.start(), m.end(), surname=surname, title=m.group("title"), trust=_REFERENCE)
            )
    return cues


def _resolve_surname(cue: _Cue, local: Sequence[str], people: Sequence[Person]) -> str | None:
    def fits(name: str) -> bool:
        return name.startswith(cue.surname or "\0") and len(name) > 1

    # Someone named earlier in the paragraph first; else anyone in the article, if only one fits.
    candidates = list(dict.fromkeys(n for n in local if fits(n)))
    if not candidates:
        candidates = [
            p.name for p in people if fits(p.name) and (cue.title is None or any(cue.title in r for r in p.roles))
        ]
    return candidates[0] if len(candidates) == 1 else None


def _statement_start(text: str, cue: _Cue, floor: int) -> int:
    """The first sentence of what ``cue`` introduces, never before ``floor`` (the previous verb)."""
    before = text[: cue.subject_start].rstrip(" ,，")
    anchor = cue.subject_start
    if before and before[-1] in QUOTE_CLOSE:
        # “……,”王芳说: the statement is the quotation in front of its speaker, unless the previous
        # speaker introduced that quotation (李明说:“……。”王芳说…).
        opening = max(text.rfind(q, 0, len(before) - 1) for q in QUOTE_OPEN)
        if opening >= 0 and not (floor and INTRODUCES_QUOTE_RE.fullmatch(text[floor:opening])):
            anchor = opening
    start = sentence_start(text, anchor)
    if start < floor:
        # Someone else already speaks earlier in this sentence: start after their clause.
        clause = max(text.rfind(p, floor, cue.subject_start) for p in CLAUSE_PUNCT)
        start = clause + 1 if clause >= 0 else floor
        while start < cue.subject_start and text[start].isspace():
            start += 1
    return max(start, floor)


def _content_chars(text: str) -> int:
    return len(_CJK_CHAR.findall(text))


def _said_chars(text: str, span: _Span) -> int:
    """How much is said: what follows the verb, plus a quotation put before the speaker."""
    quoted = "".join(QUOTATION_RE.findall(text, span.start, span.subject_start))
    return _content_chars(text[span.verb_end : span.end]) + _content_chars(quoted)


def extract_statements(paragraphs: Sequence[Paragraph], people: Sequence[Person]) -> list[Statement]:
    """Every statement the paragraphs attribute to someone, in article order."""
    by_name = {p.name: p for p in people}
    aliases = {alias: p.name for p in people for alias in name_aliases(p.name) if alias not in by_name}
    # Pronouns refer, and speech cues point, only to people named as such: not to every word a tagger
    # took for a name ("观光客认为" is no person speaking).
    referable = {p.name for p in people if p.kind != "mention" or plausible_name(p.name) or name_aliases(p.name)}
    speakers = [p for p in people if p.name in referable]
    statements: list[Statement] = []
    # Who a paragraph opening with "他说" continues: the previous paragraph's closing speaker, or the
    # only person it names.
    carried: str | None = None
    presenter = _presenter(paragraphs, by_name)
    for paragraph in paragraphs:
        text = paragraph.text
        mentions = sorted(
            (m.start(), name) for name in by_name if name in referable for m in re.finditer(re.escape(name), text)
        )
        resolved = _resolve(text, mentions, speakers, carried, aliases)
        spans = _spans(text, resolved)
        whole = None if spans else _whole_paragraph_speaker(paragraph, presenter, by_name)
        if whole is not None:
            spans = [_Span(whole[0], whole[1], len(text.rstrip()), whole[1], whole[1])]
        elif presenter and paragraph.number > presenter.paragraph and any(sp.name != presenter.name for sp in spans):
            presenter = None  # someone else speaks: the first-person text has ended
        for span in spans:
            if _said_chars(text, span) < MIN_STATEMENT_CJK:
                continue  # a speech verb with nothing said ("座谈会上王清宪表示：")
            person = by_name.get(span.name)
            statements.append(
                Statement(
                    name=span.name,
                    role=best_role(person.roles) if person else "",
                    paragraph=paragraph.number,
                    start=paragraph.start + span.start,
                    end=paragraph.start + span.end,
                    text=text[span.start : span.end],
                    section=paragraph.section,
                )
            )
        named = {name for _, name in mentions}
        if spans and spans[-1].end >= len(text.rstrip().rstrip("，,；;、")):
            carried = spans[-1].name
        else:
            carried = next(iter(named)) if len(named) == 1 else None
    return statements


@dataclass(frozen=True)
class _Presenter:
    name: str
    paragraph: int  # the number of the line that names them


def _presenter(paragraphs: Sequence[Paragraph], by_name: Mapping[str, Person]) -> _Presenter | None:
    """Who a first-person text belongs to: a short line that only names them ("新闻发言人 武平"),
    followed by text in the first person (a speech, a statement, an interview's answers)."""
    for i, paragraph in enumerate(paragraphs):
        line = paragraph.text.strip()
        if len(line) > 40 or re.search("[。！？!?，,；;：:]", line):
            continue
        named = [name for name in by_name if line.endswith(name) and by_name[name].kind != "unnamed"]
        if not named:
            continue
        rest = " ".join(p.text for p in paragraphs[i + 1 :])
        if FIRST_PERSON_RE.search(rest):
            return _Presenter(max(named, key=len), paragraph.number)
    return None


def _whole_paragraph_speaker(
    paragraph: Paragraph, presenter: _Presenter | None, by_name: Mapping[str, Person]
) -> tuple[str, int] | None:
    """(speaker, start) of a paragraph that is one person's words without a speech verb: an
    interview line ("张三：……", "答：……") or the text after a line that names its speaker."""
    text = paragraph.text
    colon = _SPEAKER_COLON.match(text)
    if colon:
        who = colon.group("who")
        named = [name for name in by_name if who.endswith(name)]
        if named:
            return max(named, key=len), colon.end()
        if ANSWER_LINE_RE.match(text) and presenter is not None:
            return presenter.name, colon.end()
    if presenter is not None and paragraph.number > presenter.paragraph and not QUESTION_LINE_RE.match(text):
        if text.rstrip()[-1:] in "：:":
            return None  # a salutation ("女士们、先生们："): it says nothing
        start = len(text) - len(text.lstrip())
        return presenter.name, start
    return None


def _resolve(
    text: str,
    mentions: Sequence[tuple[int, str]],
    people: Sequence[Person],
    carried: str | None,
    aliases: Mapping[str, str] | None = None,
) -> list[tuple[str, _Cue]]:
    """The speech cues of one paragraph with their speakers; cues nobody can be named for are dropped."""
    known = [p.name for p in people]
    cues = _dedupe(
        _known_cues(text, known, aliases)
        + untitled_cues(text, known)
        + _continued_cues(text, known)
        + entity_cues(text, [*known, *(aliases or {})])
        + _reference_cues(text)
    )
    resolved: list[tuple[str, _Cue]] = []
    for cue in cues:
        name = cue.name
        if name is None:
            local = [n for at, n in mentions if at < cue.subject_start] + [n for n, _ in resolved]
            if cue.pronoun:
                name = _antecedent(text, cue, mentions, resolved, carried)
            else:
                name = _resolve_surname(cue, local, people)
        if name is not None:
            resolved.append((name, cue))
    return resolved


def _antecedent(
    text: str,
    cue: _Cue,
    mentions: Sequence[tuple[int, str]],
    resolved: Sequence[tuple[str, _Cue]],
    carried: str | None,
) -> str | None:
    """Whom 他/她 stands for, only when that is unambiguous: the latest speaker when nobody else was
    named since, else the only person named before it in the paragraph, else (at the paragraph's
    start) the previous paragraph's speaker."""
    if resolved:
        latest, latest_cue = resolved[-1]
        others = {n for at, n in mentions if latest_cue.verb_end <= at < cue.subject_start and n != latest}
        return latest if not others else None
    before = {n for at, n in mentions if at < cue.subject_start}
    if len(before) == 1:
        return next(iter(before))
    if not before and sentence_start(text, cue.subject_start) == 0:
        return carried
    return None


def _dedupe(cues: Sequence[_Cue]) -> list[_Cue]:
    """One cue per verb, the most specific first: a known name beats a guess, a name beats a
    description, and any of them beats a pronoun."""
    chosen: dict[int, _Cue] = {}
    for cue in cues:
        kept = chosen.get(cue.verb_end)
        if kept is None or cue.trust > kept.trust:
            chosen[cue.verb_end] = cue
    return sorted(chosen.values(), key=lambda c: (c.subject_start, c.verb_end))


@dataclass(frozen=True)
class _Span:
    name: str
    start: int
    end: int
    subject_start: int
    verb_end: int


def _spans(text: str, cues: Sequence[tuple[str, _Cue]]) -> list[_Span]:
    """One span per run of one speaker; a run ends where another speaker starts."""
    starts: list[tuple[str, int, _Cue]] = []
    floor = 0
    for name, cue in cues:
        start = _statement_start(text, cue, floor)
        if starts and starts[-1][0] == name:
            floor = max(floor, cue.verb_end)
            continue
        starts.append((name, start, cue))
        floor = max(start, cue.verb_end)
    end_of_text = len(text.rstrip())
    spans: list[_Span] = []
    for i, (name, start, cue) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else end_of_text
        while end > start and (text[end - 1].isspace() or text[end - 1] in "，,；;、"):
            end -= 1
        spans.append(_Span(name, start, end, cue.subject_start, cue.verb_end))
    return spans
