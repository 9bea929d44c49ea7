"""Statements at index time: what each person says, as verbatim spans of whole sentences.

A speaker is named by a speech cue ("张海波说", "据…介绍", quoted speech), by pronoun ("他表示") or by
surname and title ("张书记说"). Statements are verbatim spans of the cleaned article text, so a quote
built from one can never contain a word the article does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.records import Paragraph
from index.sentences import sentence_start
from index.speakers.names import plausible_name
from index.speakers.records import Person, Statement
from index.speakers.roles import best_role, role_chain_before
from index.speakers.vocabulary import (
    ADVERBIAL,
    CJK,
    CLAUSE_PUNCT,
    INTRODUCES_QUOTE_RE,
    MIN_STATEMENT_CJK,
    POSTFIX_TITLE_ALT,
    PRONOUN_CUE_RE,
    QUOTATION_RE,
    QUOTE_CLOSE,
    QUOTE_OPEN,
    SPEECH_VERB,
    SURNAME_CUE_RE,
    SURNAMES,
    UNTITLED_CUE_RE,
)


@dataclass(frozen=True)
class _Cue:
    name: str | None  # None until a pronoun or a surname is resolved
    subject_start: int  # where the speaker is named (role included)
    verb_end: int
    pronoun: bool = False
    surname: str | None = None
    title: str | None = None


def _known_cues(text: str, names: Sequence[str]) -> list[_Cue]:
    cues: list[_Cue] = []
    taken: list[tuple[int, int]] = []
    for name in sorted(names, key=len, reverse=True):
        pattern = re.compile(
            f"(?:据)?{re.escape(name)}(?:{POSTFIX_TITLE_ALT})?(?:同志)?{ADVERBIAL}{SPEECH_VERB}"
        )
        for m in pattern.finditer(text):
            name_at = text.index(name, m.start())
            if any(s <= name_at < e for s, e in taken):
                continue  # part of a longer known name
            taken.append((name_at, name_at + len(name)))
            units, chain_start = role_chain_before(text, name_at)
            subject = chain_start if units else m.start()
            if units and subject > 0 and text[subject - 1] == "据":
                subject -= 1
            cues.append(_Cue(name, subject, m.end()))
    return cues


def untitled_cues(text: str, known: Iterable[str]) -> list[_Cue]:
    known_set = set(known)
    cues: list[_Cue] = []
    for m in UNTITLED_CUE_RE.finditer(text):
        name = m.group("name")
        if name in known_set or not plausible_name(name):
            continue
        cues.append(_Cue(name, m.start(), m.end()))
    return cues


def _reference_cues(text: str) -> list[_Cue]:
    cues = [_Cue(None, m.start(), m.end(), pronoun=True) for m in PRONOUN_CUE_RE.finditer(text)]
    for m in SURNAME_CUE_RE.finditer(text):
        surname = m.group("bare") or m.group("surname")
        if surname in SURNAMES:
            cues.append(_Cue(None, m.start(), m.end(), surname=surname, title=m.group("title")))
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
    return len(re.findall(f"[{CJK}]", text))


def _said_chars(text: str, span: _Span) -> int:
    """How much is said: what follows the verb, plus a quotation put before the speaker."""
    quoted = "".join(QUOTATION_RE.findall(text, span.start, span.subject_start))
    return _content_chars(text[span.verb_end : span.end]) + _content_chars(quoted)


def extract_statements(paragraphs: Sequence[Paragraph], people: Sequence[Person]) -> list[Statement]:
    """Every statement the paragraphs attribute to someone, in article order."""
    by_name = {p.name: p for p in people}
    statements: list[Statement] = []
    # Who a paragraph opening with "他说" continues: the previous paragraph's closing speaker, or the
    # only person it names.
    carried: str | None = None
    for paragraph in paragraphs:
        text = paragraph.text
        mentions = sorted((m.start(), name) for name in by_name for m in re.finditer(re.escape(name), text))
        spans = _spans(text, _resolve(text, mentions, people, carried))
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


def _resolve(
    text: str, mentions: Sequence[tuple[int, str]], people: Sequence[Person], carried: str | None
) -> list[tuple[str, _Cue]]:
    """The speech cues of one paragraph with their speakers; cues nobody can be named for are dropped."""
    known = [p.name for p in people]
    cues = _dedupe(_known_cues(text, known) + untitled_cues(text, known) + _reference_cues(text))
    resolved: list[tuple[str, _Cue]] = []
    for cue in cues:
        name = cue.name
        if name is None:
            local = [n for at, n in mentions if at < cue.subject_start] + [n for n, _ in resolved]
            if cue.pronoun:
                # 他/她 is the latest speaker, else the latest person named before it.
                name = resolved[-1][0] if resolved else (local[-1] if local else None)
                if name is None and sentence_start(text, cue.subject_start) == 0:
                    name = carried
            else:
                name = _resolve_surname(cue, local, people)
        if name is not None:
            resolved.append((name, cue))
    return resolved


def _dedupe(cues: Sequence[_Cue]) -> list[_Cue]:
    """One cue per verb, the most specific first: a known name beats a guess, a name beats a pronoun."""
    chosen: dict[int, _Cue] = {}
    for cue in cues:
        kept = chosen.get(cue.verb_end)
        if kept is None or (kept.name is None and cue.name is not None):
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
