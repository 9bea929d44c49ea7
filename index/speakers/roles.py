"""Roles and their places: "威海" + "市委书记", role chains joined by 、, and the role to label someone by."""

from __future__ import annotations

from collections.abc import Sequence

from index.patterns import compiled
from index.speakers.records import Person, Statement
from index.speakers.vocabulary import BREAKER_RE, CJK, LEVEL_ROLE_RE, MAX_ROLE_CHARS, PLACE_SPLIT_RE, TITLE_AT_END_RE


def split_place(role: str) -> tuple[str | None, str]:
    """("威海", "市委书记") for "威海市委书记"; (None, role) when the role names no place."""
    m = PLACE_SPLIT_RE.match(role)
    if m is None:
        return None, role
    return m.group(1), m.group(2)


def placeable(core: str) -> bool:
    """Whether a role without a place belongs to a city the context decides ("市长", not "省委常委")."""
    return LEVEL_ROLE_RE.match(core) is not None


def _trim_role_prefix(unit: str) -> str:
    title = TITLE_AT_END_RE.search(unit)
    if title is None:
        return ""
    head = BREAKER_RE.match(unit[: title.start()])
    return unit[head.end() :] if head else unit


# A character a role may hold, compiled once (index.patterns) for the whole process.
_ROLE_CHAR = compiled(f"[{CJK}A-Za-z]")


def role_chain_before(text: str, end: int) -> tuple[list[str], int]:
    """The roles joined by 、 that end at ``end`` ("省委常委、市委书记"), and where the chain starts."""
    units: list[str] = []
    start = end
    pos = end
    while True:
        left = pos
        while left > 0 and pos - left < MAX_ROLE_CHARS and _ROLE_CHAR.match(text[left - 1]):
            left -= 1
        unit = _trim_role_prefix(text[left:pos])
        if not unit:
            break
        units.insert(0, unit)
        start = pos - len(unit)
        if start == left and left > 0 and text[left - 1] == "、":
            pos = left - 1
            continue
        break
    return units, start


def best_role(roles: Sequence[str]) -> str:
    """The role to label someone by: the main job, not a deputy post or a committee seat."""
    for role in roles:
        core = split_place(role)[1]
        if "副" not in core and not core.endswith(("常委", "委员")):
            return role
    return roles[0] if roles else ""


def label(subject: Person | Statement) -> str:
    """The best role, then the name: "威海市委书记张海波"."""
    role = best_role(subject.roles) if isinstance(subject, Person) else subject.role
    return f"{role}{subject.name}"
