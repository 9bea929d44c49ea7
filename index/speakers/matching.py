"""Who a speaker question asks about, and the statements that answer it.

A question names its speaker by name, by role ("威海书记" is 威海市委书记; "吉利董事长" is 浙江吉利控股集团
董事长; "美国司法部长" is the article's 司法部长 when the article is about the United States), or by the
words an article uses for a speaker without a name ("苹果" for 苹果公司, "普光苏州的中层管理人员" for the
article's 上述中层管理人员). Nobody else's words are ever attributed to them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from index.speakers.names import aliases
from index.speakers.pairs import PUNCTUATION_RE, statement_pairs
from index.speakers.questions import SpeakerQuestion, normalise_title, subject_key
from index.speakers.records import Person, Statement
from index.speakers.roles import placeable, split_place

__all__ = ["Mentioned", "claim_pairs", "find_statements", "role_matches", "speaks_for", "statement_pairs"]

Mentioned = Callable[[str], bool]
"""Whether the article of a person mentions a word: the place or organisation a question adds to a role
the article gives without one."""

_CLAIM_MATCH = 0.6
# A topic this well matched by some statements leaves the speaker's other statements out.
_ON_TOPIC = 0.5
# What an organisation's name may end with beyond what a question calls it ("苹果" → 苹果公司).
_ORGANISATION_TAILS = ("公司", "集团", "方面", "官方")


def _normalise_place(place: str | None) -> str | None:
    if not place:
        return None
    if len(place) > 2 and place[-1] in "市省":
        place = place[:-1]
    return place


def _title_matches(title: str, core: str) -> bool:
    core = normalise_title(core, None) if core in ("书记", "市书记") else core
    if core == title:
        return True
    if not core.endswith(title):
        return False
    # "市长" is held by an acting mayor (代市长) but not by a deputy (副市长); "书记" is not "总书记".
    return core[-len(title) - 1] not in "副总"


def _unplaced_core(question: SpeakerQuestion, place: str, role: str, mentioned: Mentioned | None) -> str | None:
    """The title part of a role the article gives without the question's place or organisation, when
    the article itself supplies it: "司法部长" for "美国司法部长" in an article that names 美国, "女儿" for
    "潘振声的女儿" in an article about 潘振声. A role placed by the context (市长) never qualifies."""
    if mentioned is None or question.title is None or not role.endswith(question.title):
        return None
    if split_place(role)[0] is not None or placeable(role):
        return None
    modifier = role[: len(role) - len(question.title)]
    if modifier not in place:
        return None  # the role's own organisation ("劲旅网CEO") is not the asked one ("京东CEO")
    leftover = place.replace(modifier, "", 1) if modifier else place
    return role[len(modifier) :] if not leftover or mentioned(leftover) else None


def role_matches(question: SpeakerQuestion, person: Person, mentioned: Mentioned | None = None) -> bool:
    """Whether ``person`` holds the role the question names (place and title, aliases allowed).

    "威海书记" matches 威海市委书记, "青岛市长" matches 青岛市长 and 青岛代市长, but not 青岛副市长;
    "吉利董事长" matches 浙江吉利控股集团董事长. A question that names no role matches nobody.
    """
    if question.title is None and question.place is None:
        return False
    place = _normalise_place(question.place)
    for role in (r.replace("的", "") for r in person.roles):
        if place is not None:
            at = role.find(place)
            if at >= 0:
                core: str | None = role[at + len(place) :]
            else:
                core = _unplaced_core(question, place, role, mentioned)
            if core is None:
                continue
        else:
            core = role
            if person.place and role.startswith(person.place):
                core = role[len(person.place) :]
            elif split_place(role)[0]:
                core = split_place(role)[1]
        if question.title is None or _title_matches(question.title, core):
            return True
    return False


def _subject_matches(question: SpeakerQuestion, person: Person, mentioned: Mentioned | None) -> bool:
    """Whether an organisation or an unnamed speaker is the one a question's subject names."""
    if person.kind not in ("organisation", "unnamed") or not question.subject:
        return False
    asked, name = question.subject, subject_key(person.name)
    if asked == name or name.endswith(asked):
        return True  # "负责人" asks for any 负责人, "法国总工会负责人" for that one
    if name.startswith(asked) and name[len(asked) :] in _ORGANISATION_TAILS:
        return True
    if asked.startswith(name) and asked[len(name) :] in _ORGANISATION_TAILS:
        return True
    # "普光苏州的中层管理人员" is the article's "上述中层管理人员" when the article is about 普光苏州.
    return mentioned is not None and asked.endswith(name) and len(name) >= 2 and mentioned(asked[: -len(name)])


def speaks_for(question: SpeakerQuestion, person: Person, mentioned: Mentioned | None = None) -> bool:
    """Whether ``person`` is whom a what-said question asks about: by name, role or description."""
    if question.name is not None:
        return person.name == question.name or question.name in aliases(person.name)
    return role_matches(question, person, mentioned) or _subject_matches(question, person, mentioned)


def _bigrams(text: str) -> set[str]:
    text = PUNCTUATION_RE.sub("", text)
    return {text[i : i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def _overlap(needle: str, haystack: str) -> float:
    """The share of ``needle``'s character bigrams found in ``haystack``, punctuation ignored.

    1.0 for a verbatim match; a paraphrase ("威海要积极接轨青岛") still scores high, because Chinese
    words are mostly two characters and word order survives paraphrase better than particles do.

    A bigram is in the haystack's bigrams exactly when it occurs in the haystack without punctuation:
    "谁说…" weighs every statement of the index, and making each one's bigrams took 90 ms per question
    at 100k chunks (benchmarks/README.md "Serving beside a busy job").
    """
    wanted = _bigrams(needle)
    if not wanted:
        return 0.0
    if any(len(b) < 2 for b in wanted):  # a one-character needle is one "bigram", matched whole
        return len(wanted & _bigrams(haystack)) / len(wanted)
    text = _unpunctuated(haystack)
    return sum(1 for b in wanted if b in text) / len(wanted)


def claim_pairs(question: SpeakerQuestion) -> tuple[frozenset[str], int] | None:
    """For "谁说…": the character pairs of what was said, and how many of them a statement must hold
    to answer (:data:`_CLAIM_MATCH`); None when the topic is shorter than a pair (then every statement
    is weighed). An article whose statements hold fewer of them has none that answers."""
    if question.kind != "who_said" or not question.topic:
        return None
    wanted = _bigrams(question.topic)
    if not wanted or any(len(b) < 2 for b in wanted):
        return None
    needed = next(c for c in range(len(wanted) + 1) if c / len(wanted) >= _CLAIM_MATCH)
    return frozenset(wanted), needed


@lru_cache(maxsize=1 << 15)
def _unpunctuated(text: str) -> str:
    """``text`` without punctuation (statements are weighed again for every question)."""
    return PUNCTUATION_RE.sub("", text)


def find_statements(
    question: SpeakerQuestion,
    people: Sequence[Person],
    statements: Sequence[Statement],
    mentioned: Mentioned | None = None,
) -> list[Statement]:
    """The statements that answer ``question``, best first; empty when the article has none.

    A person who holds the asked role but says nothing yields nothing: nobody else's words are
    ever attributed to them.
    """
    if question.kind == "who_said":
        return _who_said(question, people, statements, mentioned)
    return _what_said(question, people, statements, mentioned)


def _who_said(
    question: SpeakerQuestion,
    people: Sequence[Person],
    statements: Sequence[Statement],
    mentioned: Mentioned | None,
) -> list[Statement]:
    if not question.topic:
        return []
    by_name = {p.name: p for p in people}
    scored = [(_overlap(question.topic, s.text), s) for s in statements]
    if question.title or question.place:
        scored = [
            (score, s)
            for score, s in scored
            if s.name in by_name and role_matches(question, by_name[s.name], mentioned)
        ]
    hits = [(score, s) for score, s in scored if score >= _CLAIM_MATCH]
    return [s for _, s in sorted(hits, key=lambda pair: -pair[0])]


def _what_said(
    question: SpeakerQuestion,
    people: Sequence[Person],
    statements: Sequence[Statement],
    mentioned: Mentioned | None,
) -> list[Statement]:
    names = {p.name for p in people if speaks_for(question, p, mentioned)}
    if question.name:
        names.add(question.name)
    mine = [s for s in statements if s.name in names]
    if not question.topic or not mine:
        return mine
    # The topic is often only in the section ("王清宪对威海说了什么" → the 威海 section). A topic some
    # statements match well keeps only those; a weak match only orders them.
    scored = [(_overlap(question.topic, f"{s.section or ''}\n{s.text}"), s) for s in mine]
    best = max(score for score, _ in scored)
    kept = [(score, s) for score, s in scored if score > 0] if best >= _ON_TOPIC else scored
    if not kept:
        return mine
    # Between statements that match alike, the one that dwells on the topic (says it more often).
    return [s for _, s in sorted(kept, key=lambda pair: (-pair[0], -pair[1].text.count(question.topic or "")))]
