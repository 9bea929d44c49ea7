"""Recognise questions about speakers ("威海书记说了什么", "谁说对接青岛就是对接世界") and answer them
from the statements :mod:`index.speakers` extracted.

Questions may come in traditional script; they are converted to simplified first, because articles
and extracted roles are simplified. A question that asks who holds a role ("烟台市委书记是谁") or who
did something other than speak ("座谈会由谁主持") is not a speaker question: it gets ``None`` and is
left to ordinary search.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from index.normalization import normalise_question, to_simplified
from index.speakers.names import plausible_name
from index.speakers.records import Person, Statement
from index.speakers.roles import split_place
from index.speakers.vocabulary import PROVINCES

__all__ = [
    "SpeakerQuestion",
    "find_statements",
    "normalise_question",
    "parse_speaker_question",
    "role_matches",
]


@dataclass(frozen=True)
class SpeakerQuestion:
    """What a speaker question asks; see :func:`parse_speaker_question`."""

    kind: Literal["what_said", "who_said"]
    name: str | None
    place: str | None
    title: str | None
    topic: str | None


_CJK = "\u4e00-\u9fff"

_QUESTION_TITLES = tuple(
    "书记 市长 省长 县长 区长 镇长 乡长 州长 主任 常委 代表 委员 记者 主席 部长 "
    "局长 厅长 处长 总经理 经理 董事长 总裁 院长 校长 教授 院士 秘书长 行长 会长 "
    "理事长 所长 社长 主编 发言人 负责人 专家".split()
)
_TITLE_ALT = "|".join(sorted(_QUESTION_TITLES, key=len, reverse=True))
# A role as a question names it: "市委书记", "市委副书记", "代市长", "人大常委会主任", "书记".
_ROLE_CORE = (
    f"(?:[省市县区州](?:委|人大常委会|人大|政府|政协|纪委|监委)?|人大常委会|政协|政府)?"
    f"(?:常务副|副|代)?(?:{_TITLE_ALT})"
)
_ROLE_RE = re.compile(f"^(?P<place>[{_CJK}]{{2,6}}?)?(?P<core>{_ROLE_CORE})$")

_SAY = r"(?:说|讲(?!话)|表示|指出|强调|认为|提出|提到|谈到|称(?!霸|号|为)|介绍|透露|呼吁)"
_ASKS = tuple(
    "说了些什么 说了什么 说了哪些 说了啥 说什么 说啥 讲了些什么 讲了什么 讲了哪些 "
    "讲了啥 讲什么 表示了什么 表示什么 提出了什么 提出了哪些 提出什么 指出了什么 "
    "强调了什么 谈了些什么 谈了什么 谈到了什么 谈到什么 介绍了什么 是怎么说的 怎么说的 "
    "怎么说 如何说 怎么看待 如何看待 怎么看 如何看 怎么评价 如何评价 怎样评价 "
    "有什么看法 有何看法 有什么观点 有什么表态 的看法 的观点 的讲话内容 的讲话 的发言 "
    "的表态".split()
)
_ASK_ALT = "|".join(re.escape(a) for a in sorted(_ASKS, key=len, reverse=True))
_FILLER = r"(?:都|又|还|究竟|到底|具体|主要|曾|曾经|当时)?"

_WHO_RES = (
    re.compile(f"^(?:是)?谁(?:曾经|曾|还|又|也)?{_SAY}(?:了|过|道|的)?[：:，,\\s]*(?P<claim>.+)$"),
    re.compile(
        f"^哪(?:位|个|一位)(?P<role>[{_CJK}]{{0,10}}?)(?:曾经|曾|还|又|也)?{_SAY}(?:了|过|道)?"
        f"[：:，,\\s]*(?P<claim>.+)$"
    ),
    re.compile(
        f"^(?P<claim>.+?)[，,\\s]*(?:这句话|这话|这个观点|这一观点|的说法)?(?:是|系)"
        f"(?:谁|哪(?:位|个|一位)(?P<role>[{_CJK}]{{0,10}}?))(?:曾经|曾)?{_SAY}(?:的|出来的|过的)?$"
    ),
)
_WHAT_RES = (
    # "王清宪对威海说了什么", "张海波关于合作怎么看", "王清宪在座谈会上说了什么"
    re.compile(
        f"^(?P<subject>.+?)(?:(?:对|关于|就|针对)(?P<topic>.+?)|在(?P<occasion>.+?)(?:上|中|时))?"
        f"{_FILLER}(?P<ask>{_ASK_ALT})(?:是什么|有哪些|内容)?$"
    ),
    # "张海波怎么看青岛", "王清宪如何评价胶东经济圈"
    re.compile(f"^(?P<subject>.+?){_FILLER}(?:怎么看待|如何看待|怎么看|如何看|怎么评价|如何评价)(?P<topic>.+)$"),
    # "王清宪希望把胶东经济圈建成什么", "张海波提出要加强哪些合作": a speech verb of the statements, asked
    # with 什么/哪些, asks for the content of what the person said.
    re.compile(
        f"^(?P<subject>.+?){_FILLER}(?:希望|要求|主张|呼吁|建议|强调|提出|提议|认为)(?:了)?"
        f"(?P<topic>.*?)(?:什么|哪些|啥)(?P<rest>.{{0,6}})$"
    ),
)
_CLAIM_STRIP = "“”\"'‘’「」『』《》 ，,。.：:？?！!"
_PUNCT_RE = re.compile(f"[^{_CJK}A-Za-z0-9]")
_VAGUE_CLAIMS = frozenset("什么 啥 了什么 些什么 哪些 什么话".split())
_PRONOUNS = frozenset("他 她 他们 她们 它 谁 我 你 我们 你们 大家".split())
# Characters that make a role prefix a clause rather than a place ("他说的书记").
_NOT_IN_PLACE_RE = re.compile("[的了是谁说在对]")
_CLAIM_MATCH = 0.6


def _normalise_place(place: str | None) -> str | None:
    if not place:
        return None
    if len(place) > 2 and place[-1] in "市省":
        place = place[:-1]
    return place


def _normalise_title(core: str, place: str | None) -> str:
    """One spelling per title: 书记/市书记/市委书记 → 市委书记 (省委书记 for a province)."""
    if core in ("书记", "委书记") or re.fullmatch("[省市县区州]书记", core):
        level = core[0] if core[0] in "省市县区州" else ("省" if place in PROVINCES else "市")
        return f"{level}委书记"
    if re.fullmatch("[省市县区州](?:[省市县区州]长)", core):
        return core[1:]  # "市市长" is how "青岛市市长" splits
    return core


def _parse_role(text: str) -> tuple[str | None, str] | None:
    m = _ROLE_RE.match(text)
    if m is None:
        return None
    place = _normalise_place(m.group("place"))
    if place is not None and (place in _PRONOUNS or _NOT_IN_PLACE_RE.search(place)):
        return None
    return place, _normalise_title(m.group("core"), place)


def _parse_subject(subject: str, known_names: Collection[str]) -> tuple[str | None, str | None, str | None]:
    """(name, place, title) of who a question is about, or all None when it names nobody."""
    subject = re.sub("(?:同志|先生|女士)$", "", subject)
    if not subject or subject in _PRONOUNS:
        return None, None, None
    for name in sorted(known_names, key=len, reverse=True):
        at = subject.find(name)
        if at < 0:
            continue
        before, after = subject[:at], subject[at + len(name) :]
        role = _parse_role(before) if before else None
        if after and not re.fullmatch(f"(?:{_TITLE_ALT})", after):
            continue
        if before and role is None:
            continue
        place, title = role if role else (None, None)
        if title is None and after:
            title = _normalise_title(after, place)
        return name, place, title
    role = _parse_role(subject)
    if role is not None:
        return None, role[0], role[1]
    for split in range(len(subject) - 2, 1, -1):
        # "日照市委书记张惠": a role, then a name the index may not know.
        role = _parse_role(subject[:split])
        if role is not None and plausible_name(subject[split:]):
            return subject[split:], role[0], role[1]
    m = re.fullmatch(f"(?P<name>[{_CJK}]{{2,4}}?)(?P<title>{_TITLE_ALT})", subject)
    if m and plausible_name(m.group("name")):
        return m.group("name"), None, _normalise_title(m.group("title"), None)
    if plausible_name(subject):
        return subject, None, None
    return None, None, None


def _clean_claim(claim: str) -> str | None:
    claim = claim.strip(_CLAIM_STRIP)
    if claim in _VAGUE_CLAIMS or len(_PUNCT_RE.sub("", claim)) < 2:
        return None
    return claim


def parse_speaker_question(question: str, known_names: Collection[str] = ()) -> SpeakerQuestion | None:
    """A :class:`SpeakerQuestion` for "X说了什么" / "谁说…" questions, ``None`` for any other question.

    ``known_names`` are the people the index knows; they let names with rare surnames be recognised.
    """
    text = normalise_question(question)
    if not text:
        return None
    names = [to_simplified(n) for n in known_names]
    for pattern in _WHO_RES:
        m = pattern.match(text)
        if m is None:
            continue
        claim = _clean_claim(m.group("claim"))
        if claim is None:
            continue
        place = title = None
        role_text = m.groupdict().get("role")
        if role_text:
            role = _parse_role(role_text)
            if role is not None:
                place, title = role
        return SpeakerQuestion("who_said", None, place, title, claim)
    for pattern in _WHAT_RES:
        m = pattern.match(text)
        if m is None:
            continue
        name, place, title = _parse_subject(m.group("subject"), names)
        if name is None and title is None:
            continue
        groups = m.groupdict()
        topic = (groups.get("topic") or groups.get("occasion") or "") + (groups.get("rest") or "")
        topic = topic.strip(_CLAIM_STRIP) or None
        return SpeakerQuestion("what_said", name, place, title, topic or None)
    return None


def _title_matches(title: str, core: str) -> bool:
    core = _normalise_title(core, None) if core in ("书记", "市书记") else core
    if core == title:
        return True
    if not core.endswith(title):
        return False
    # "市长" is held by an acting mayor (代市长) but not by a deputy (副市长); "书记" is not "总书记".
    return core[-len(title) - 1] not in "副总"


def role_matches(question: SpeakerQuestion, person: Person) -> bool:
    """Whether ``person`` holds the role the question names (place and title, aliases allowed).

    "威海书记" matches 威海市委书记, "青岛市长" matches 青岛市长 and 青岛代市长, but not 青岛副市长.
    A question that names no role matches nobody.
    """
    if question.title is None and question.place is None:
        return False
    place = _normalise_place(question.place)
    for role in person.roles:
        if place is not None:
            if not role.startswith(place):
                continue
            core = role[len(place) :]
        else:
            core = role
            if person.place and role.startswith(person.place):
                core = role[len(person.place) :]
            elif split_place(role)[0]:
                core = split_place(role)[1]
        if question.title is None or _title_matches(question.title, core):
            return True
    return False


def _bigrams(text: str) -> set[str]:
    text = _PUNCT_RE.sub("", text)
    return {text[i : i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def _overlap(needle: str, haystack: str) -> float:
    """The share of ``needle``'s character bigrams found in ``haystack``, punctuation ignored.

    1.0 for a verbatim match; a paraphrase ("威海要积极接轨青岛") still scores high, because Chinese
    words are mostly two characters and word order survives paraphrase better than particles do.
    """
    wanted = _bigrams(needle)
    if not wanted:
        return 0.0
    return len(wanted & _bigrams(haystack)) / len(wanted)


def find_statements(
    question: SpeakerQuestion, people: Sequence[Person], statements: Sequence[Statement]
) -> list[Statement]:
    """The statements that answer ``question``, best first; empty when the article has none.

    A person who holds the asked role but says nothing yields nothing: nobody else's words are
    ever attributed to them.
    """
    if question.kind == "who_said":
        return _who_said(question, people, statements)
    return _what_said(question, people, statements)


def _who_said(
    question: SpeakerQuestion, people: Sequence[Person], statements: Sequence[Statement]
) -> list[Statement]:
    if not question.topic:
        return []
    by_name = {p.name: p for p in people}
    scored = [(_overlap(question.topic, s.text), s) for s in statements]
    if question.title or question.place:
        scored = [
            (score, s) for score, s in scored if s.name in by_name and role_matches(question, by_name[s.name])
        ]
    hits = [(score, s) for score, s in scored if score >= _CLAIM_MATCH]
    return [s for _, s in sorted(hits, key=lambda pair: -pair[0])]


def _what_said(
    question: SpeakerQuestion, people: Sequence[Person], statements: Sequence[Statement]
) -> list[Statement]:
    names = {question.name} if question.name else {p.name for p in people if role_matches(question, p)}
    mine = [s for s in statements if s.name in names]
    if not question.topic or not mine:
        return mine
    # The topic is often only in the section ("王清宪对威海说了什么" → the 威海 section).
    scored = [(_overlap(question.topic, f"{s.section or ''}\n{s.text}"), s) for s in mine]
    on_topic = [(score, s) for score, s in scored if score > 0]
    if not on_topic:
        return mine
    return [s for _, s in sorted(on_topic, key=lambda pair: -pair[0])]
