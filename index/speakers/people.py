"""People at index time: everyone the paragraphs name with a role, or quote by name, with their places.

Chinese news names an official once with a full role ("威海市委书记张海波"), later by name alone. A local
paper leaves its own city out ("市委书记王清宪" in a Qingdao paper is Qingdao's), and lists a delegation as
one enumeration ("烟台市委书记张术平,市委副书记、市长陈飞率领"), where later members share the first
member's city.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from index.records import Paragraph
from index.sentences import sentence_of
from index.speakers.names import aliases, plausible_name
from index.speakers.names import name_at as read_name_at
from index.speakers.records import Person
from index.speakers.roles import placeable, role_chain_before, split_place
from index.speakers.statements import entity_cues, entity_kind, untitled_cues
from index.speakers.vocabulary import (
    CITY_MENTION_RE,
    CJK,
    ENUMERATION_GAP_RE,
    HOST_CUE_RE,
    INTERVIEW_LINE_RE,
    POSTFIX_MENTION_RE,
    SECTION_PLACE_RE,
    TITLE_RE,
)

# How strongly a role's place is known; a stronger one wins when a person's mentions disagree.
_EXPLICIT, _INHERITED, _DEFAULT = 3, 2, 1


@dataclass(frozen=True)
class _Mention:
    name: str
    units: tuple[str, ...]
    paragraph: int  # index into the paragraph sequence
    start: int  # of the role chain (or the name) in the paragraph
    end: int  # after the name


@dataclass(frozen=True)
class _PlacedRole:
    role: str
    place: str | None
    strength: int


def _role_mentions(paragraphs: Sequence[Paragraph], article: str, tagged: Collection[str]) -> list[_Mention]:
    mentions: list[_Mention] = []
    for index, paragraph in enumerate(paragraphs):
        text = paragraph.text
        found: list[_Mention] = []
        for title in TITLE_RE.finditer(text):
            units, chain_start = role_chain_before(text, title.end())
            if not units:
                continue
            at = title.end()
            # Bylines separate names with spaces: "半岛记者 刘鑫 崔璞".
            while True:
                gap = re.match(r"[ \u3000]*", text[at:])
                name_at = at + (gap.end() if gap else 0)
                name = read_name_at(text, name_at, article, tagged)
                if name is None:
                    break
                found.append(_Mention(name, tuple(units), index, chain_start, name_at + len(name)))
                at = name_at + len(name)
                if not re.match(r"[ \u3000]+", text[at:]):
                    break
        for m in POSTFIX_MENTION_RE.finditer(text):
            if plausible_name(m.group("name")):
                found.append(_Mention(m.group("name"), (m.group("title"),), index, m.start(), m.end("name")))
        found.sort(key=lambda mention: mention.start)
        mentions.extend(found)
    return mentions


def _section_place(section: str | None) -> str | None:
    if not section:
        return None
    m = SECTION_PLACE_RE().match(section)
    return m.group(1) if m else None


def _host_place(paragraphs: Sequence[Paragraph], article: str, places: set[str]) -> str | None:
    """The city the paper writes from, when a visit to it gives it away ("来青考察")."""
    for paragraph in paragraphs:
        for m in HOST_CUE_RE.finditer(paragraph.text):
            host = m.group("host")
            if host in places or (len(host) > 1 and host in article):
                return host
            if len(host) == 1:
                expansions = Counter(re.findall(f"({re.escape(host)}[{CJK}])市", article))
                expansions.update({p: 1 for p in places if p.startswith(host) and len(p) == 2})
                if expansions:
                    return expansions.most_common(1)[0][0]
    return None


class _PlaceContext:
    """What decides the city of a role the article gives without one ("市委副书记、市长孟凡利")."""

    def __init__(self, paragraphs: Sequence[Paragraph], mentions: Sequence[_Mention]) -> None:
        self.paragraphs = paragraphs
        article = "\n\n".join(p.text for p in paragraphs)
        self.places: set[str] = set()
        for mention in mentions:
            for unit in mention.units:
                place, core = split_place(unit)
                if place and placeable(core):  # a province ("山东省委书记") is no city to default to
                    self.places.add(place)
        for p in paragraphs:
            section = _section_place(p.section)
            if section:
                self.places.add(section)
            self.places.update(CITY_MENTION_RE.findall(p.text))
        self.host = _host_place(paragraphs, article, self.places)
        if self.host:
            self.places.add(self.host)

    def default_place(self, mention: _Mention) -> str | None:
        paragraph = self.paragraphs[mention.paragraph]
        text = paragraph.text
        sentence_start, sentence_end = sentence_of(text, mention.start)
        visiting = any(
            m.start() > mention.end for m in HOST_CUE_RE.finditer(text, sentence_start, sentence_end)
        )
        if self.host and not visiting:
            return self.host
        if visiting:
            # A member of the visiting delegation: the delegation's city comes earlier in the sentence.
            place = self._last_place_in(text[sentence_start : mention.start])
            if place:
                return place
        section = _section_place(paragraph.section)
        if section:
            return section
        place = self._last_place_in(text[: mention.start])
        for earlier in reversed(self.paragraphs[: mention.paragraph]):
            if place:
                break
            place = self._last_place_in(earlier.text)
        return place

    def _last_place_in(self, text: str) -> str | None:
        best: tuple[int, str] | None = None
        for place in self.places:
            at = text.rfind(place)
            if at >= 0 and (best is None or at > best[0]):
                best = (at, place)
        return best[1] if best else None


def _place_roles(
    mentions: Sequence[_Mention], paragraphs: Sequence[Paragraph]
) -> list[tuple[_Mention, list[_PlacedRole]]]:
    context = _PlaceContext(paragraphs, mentions)
    placed: list[tuple[_Mention, list[_PlacedRole]]] = []
    previous: tuple[_Mention, str | None] | None = None
    for mention in mentions:
        text = paragraphs[mention.paragraph].text
        enumerated: str | None = None
        if previous is not None and previous[0].paragraph == mention.paragraph:
            gap = text[previous[0].end : mention.start]
            if previous[0].end <= mention.start and ENUMERATION_GAP_RE.match(gap):
                enumerated = previous[1]
        roles: list[_PlacedRole] = []
        chain_place: str | None = None
        for unit in mention.units:
            place, core = split_place(unit)
            if place is not None:
                chain_place = place
                roles.append(_PlacedRole(unit, place, _EXPLICIT))
            elif not placeable(core):
                roles.append(_PlacedRole(unit, None, 0))
            elif chain_place or enumerated:
                inherited = chain_place or enumerated
                roles.append(_PlacedRole(f"{inherited}{core}", inherited, _INHERITED))
            else:
                fallback = context.default_place(mention)
                role = f"{fallback}{core}" if fallback else core
                roles.append(_PlacedRole(role, fallback, _DEFAULT))
        mention_place = next((r.place for r in roles if r.place and r.strength >= _INHERITED), None)
        previous = (mention, mention_place)
        placed.append((mention, roles))
    return placed


def extract_people(paragraphs: Sequence[Paragraph], tagged: Collection[str] = ()) -> list[Person]:
    """Everyone the paragraphs name with a role, quote by name or describe as speaking (an organisation,
    an unnamed person), then the names they only mention, in order of first mention.

    ``tagged`` are the words a part-of-speech tagger took for personal names: they are read as names
    after a title whatever their surname, and kept as mentions otherwise.
    """
    article = "\n\n".join(p.text for p in paragraphs)
    mentions = _role_mentions(paragraphs, article, tagged)
    by_name: dict[str, list[tuple[_Mention, list[_PlacedRole]]]] = {}
    for mention, roles in _place_roles(mentions, paragraphs):
        by_name.setdefault(mention.name, []).append((mention, roles))
    names_in_roles = set(by_name)
    people: dict[str, Person] = {}
    first_seen: dict[str, tuple[int, int]] = {}
    for name, entries in by_name.items():
        people[name] = _merge(name, entries, paragraphs)
        first_seen[name] = (entries[0][0].paragraph, entries[0][0].start)
    for index, paragraph in enumerate(paragraphs):
        for cue in untitled_cues(paragraph.text, names_in_roles):
            if cue.name is not None and cue.name not in people:
                people[cue.name] = Person(cue.name, (), None, (paragraph.number,))
                first_seen[cue.name] = (index, cue.subject_start)
    for index, paragraph in enumerate(paragraphs):
        line = INTERVIEW_LINE_RE.match(paragraph.text)
        if line is None:
            continue
        name = line.group("name")
        if name not in people and (plausible_name(name) or name in tagged):
            people[name] = Person(name, (), None, (paragraph.number,))
            first_seen[name] = (index, line.start("name"))
    # A description holding a person's name is that person's cue ("张建锋表示"), not a description.
    known = set(people) | {name for name in tagged if plausible_name(name)}
    for index, paragraph in enumerate(paragraphs):
        for cue in entity_cues(paragraph.text, known):
            if cue.name is not None and cue.name not in people:
                people[cue.name] = Person(cue.name, (), None, (paragraph.number,), entity_kind(cue.name))
                first_seen[cue.name] = (index, cue.subject_start)
    aliased = {alias for name in people for alias in aliases(name)}
    for name in sorted(tagged):
        if name in people or name in aliased or any(name in other for other in people):
            continue
        seen = [(i, p.text.find(name)) for i, p in enumerate(paragraphs) if name in p.text]
        if seen:
            numbers = tuple(paragraphs[i].number for i, _ in seen)
            people[name] = Person(name, (), None, numbers, "mention")
            first_seen[name] = seen[0]
    return sorted(people.values(), key=lambda person: first_seen[person.name])


def _merge(
    name: str, entries: Sequence[tuple[_Mention, list[_PlacedRole]]], paragraphs: Sequence[Paragraph]
) -> Person:
    everything = [role for _, roles in entries for role in roles]
    # Only a city role's place can stand in for another city role's ("山东省委书记" places no 市长).
    city = [r for r in everything if r.place and placeable(r.role[len(r.place) :])]
    strongest = max(city, key=lambda r: r.strength, default=None)
    place = strongest.place if strongest else next((r.place for r in everything if r.place), None)
    roles: list[str] = []
    for role in everything:
        text = role.role
        if role.strength == _DEFAULT and strongest is not None and strongest.strength > _DEFAULT:
            # A person placed by the article elsewhere keeps that city over a contextual guess.
            core = text[len(role.place) :] if role.place else text
            text = f"{strongest.place}{core}"
        if text not in roles:
            roles.append(text)
    seen_paragraphs = tuple(dict.fromkeys(paragraphs[m.paragraph].number for m, _ in entries))
    return Person(name, tuple(roles), place, seen_paragraphs)
