"""Recognise questions about speakers: "X说了什么" in its common forms, and "谁说…".

A what-said question is a subject, then what the subject is asked about (对/跟/向 someone, 在 an
occasion, 关于 a topic), then a speech request: 说了什么, 讲了些什么, 提到了啥, 是怎么回应…的,
怎么看…, 有什么表态/建议/提醒, 的讲话内容, 通报的内容是什么, 认为…是什么. The subject is whatever
names a speaker: a name (any name the index knows, or one that looks like a name), a role with its
place or organisation ("阳新县委书记", "南京纪委书记", "中国半导体行业协会副理事长", with or without
的), an organisation ("苹果公司", "拼多多方面") or a description ("小男孩", "普光苏州的中层管理人员").

Questions may come in traditional script; they are converted to simplified first, because articles
and extracted roles are simplified. A question that asks who holds a role ("烟台市委书记是谁") or who
did something other than speak ("座谈会由谁主持") is not a speaker question: it gets ``None`` and is
left to ordinary search.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Literal

from index.normalization import normalise_question
from index.speakers.names import FOREIGN_NAME_RE, plausible_name, prepared_names_list
from index.speakers.vocabulary import CJK, ORGANISATION_HEADS, PERSON_NOUNS, PROVINCES, TITLES, alternation

__all__ = [
    "SpeakerQuestion", "normalise_question", "normalise_title", "parse_speaker_question", "prepared_names",
    "prepared_names_list",
    "subject_key",
]


@dataclass(frozen=True)
class SpeakerQuestion:
    """What a speaker question asks; see :func:`parse_speaker_question`.

    ``place`` is the place or organisation of an asked role ("威海", "中国半导体行业协会"); ``subject``
    is the subject as asked, without 的 ("潘振声女儿", "苹果公司"), for speakers that have no name.
    """

    kind: Literal["what_said", "who_said"]
    name: str | None
    place: str | None
    title: str | None
    topic: str | None
    subject: str | None = field(default=None, compare=False)
    # A plain request for someone's words ("说了什么"): when nobody quotes them, the answer is "not
    # found". A question about the content of a view ("认为…是什么") may still be answered by search.
    strict: bool = field(default=True, compare=False)


# Titles a question may ask by: every title the extraction knows, and the bare ones people type.
_QUESTION_TITLES = (*TITLES, "专家", "法人代表", "法人")
_TITLE_ALT = alternation(_QUESTION_TITLES)
# A role as a question names it: "市委书记", "县委书记", "纪委书记", "市委副书记", "代市长",
# "人大常委会主任", "书记".
_ROLE_CORE = (
    f"(?:[省市县区州](?:委|人大常委会|人大|政府|政协|纪委|监委)?|人大常委会|政协|政府|纪委|监委|党委|党组)?"
    f"(?:常务副|副|代)?(?:{_TITLE_ALT})"
)
_ROLE_RE = re.compile(f"^(?P<place>[{CJK}A-Za-z0-9]{{2,16}}?)?(?P<core>{_ROLE_CORE})$")

_SAY = r"(?:说|讲(?!话)|表示|指出|强调|认为|提出|提到|谈到|称(?!霸|号|为)|介绍|透露|呼吁|批评|宣称|声称)"
# What is asked for, at the end of the question: the speech request.
# Verbs that ask what someone said when 什么 follows them ("说了什么", "提到了啥"); 称, 写 and 看 do
# not ("又称什么", "写过什么作品", "看了什么"), though "怎么看" and "怎么称" ask for a view.
_SPEECH = (
    r"(?:说|讲(?!话)|谈|聊|表示|表态|回应|发言|讲话|指出|强调|提到|提及|谈到|谈及|介绍|通报|透露|解释|回答|答复"
    r"|宣布|呼吁|提醒|评价|评论|承诺|说明|告诉|坦言|分析|预测|披露|警告|声明)"
)
_VIEW = f"(?:{_SPEECH}|看待|看|道歉|批评|称|答)"
_ASKED = r"(?:些什么|什么|些啥|啥|哪些)"
_NOUNS = (
    r"(?:看法|观点|表态|建议|提醒|评价|回应|说法|要求|主张|想法|感想|意见|解释|表示|讲话|说明|承诺|警告|呼吁|批评"
    r"|评论|态度|反应|发言)"
)
_TAILS = (
    # "说了什么", "讲了些什么", "提到了啥", "介绍了些啥", "表示了什么", "讲了些什么关于信息披露的"
    re.compile(f"(?P<verb>{_SPEECH})(?:了|过|到|着)?(?:一些|些)?{_ASKED}(?:话|内容|观点|东西)?(?P<after>.{{0,10}})$"),
    # "怎么说", "是怎么回应司法部指控的", "怎么看通胀", "是怎么说母公司的", "怎么道歉的"
    re.compile(f"(?:是)?(?:怎么|如何|怎样|咋)(?:样)?(?P<verb>{_VIEW})(?P<after>.{{0,14}}?)(?:的)?$"),
    # "有什么表态", "有什么建议", "有何看法"
    re.compile(f"有(?:什么|啥|哪些|何)(?P<verb>{_NOUNS})(?P<after>)$"),
    # "的讲话内容", "的讲话", "的表态是什么"
    re.compile(f"的(?P<verb>{_NOUNS}|原话|声明)(?:内容)?(?:是什么|有哪些|是啥)?(?P<after>)$"),
    # "通报的内容是什么"
    re.compile(f"(?P<verb>{_SPEECH})的(?:内容|话)(?:是什么|有哪些|是啥)?(?P<after>)$"),
    # "希望把胶东经济圈建成什么", "认为商圈的第6项指标应该是什么": the content of a wish or a view.
    re.compile(
        r"(?P<verb>希望|要求|主张|呼吁|建议|强调|提出|提议|认为)(?:了)?"
        r"(?P<after>.*?)(?:应该是|应是|是)?(?:什么|哪些|啥)(?P<rest>.{0,6})$"
    ),
)
_WHO_RES = (
    re.compile(f"^(?:是)?谁(?:曾经|曾|还|又|也)?{_SAY}(?:了|过|道|的)?[：:，,\\s]*(?P<claim>.+)$"),
    re.compile(
        f"^哪(?:位|个|一位)(?P<role>[{CJK}]{{0,10}}?)(?:曾经|曾|还|又|也)?{_SAY}(?:了|过|道)?"
        f"[：:，,\\s]*(?P<claim>.+)$"
    ),
    re.compile(
        f"^(?P<claim>.+?)[，,\\s]*(?:这句话|这话|这个观点|这一观点|的说法)?(?:是|系)"
        f"(?:谁|哪(?:位|个|一位)(?P<role>[{CJK}]{{0,10}}?))(?:曾经|曾)?{_SAY}(?:的|出来的|过的)?$"
    ),
)
# What may stand between the subject and the request: to whom, about what, on which occasion.
_MARKERS = re.compile(
    r"^(?:都|又|还|也|究竟|到底|具体|主要|曾|曾经|当时|此前|最近|之前|是)*"
    r"(?:对于|关于|针对|对|跟|向|给|同|就|在)?"
)
_CONJUNCTION = re.compile("^(?:和|与|及|、|以及)")
# Requests that say what the statement is about ("怎么道歉的", "有什么提醒").
_TOPICAL_VERBS = frozenset("道歉 提醒 建议 通报 承诺 警告 批评 呼吁 解释 预测 披露 宣布".split())
_CLAIM_STRIP = "“”\"'‘’「」『』《》 ，,。.：:？?！!"
_PUNCT_RE = re.compile(f"[^{CJK}A-Za-z0-9]")
_VAGUE_CLAIMS = frozenset("什么 啥 了什么 些什么 哪些 什么话".split())
_PRONOUNS = frozenset("他 她 他们 她们 它 谁 我 你 我们 你们 大家 文章 文中 报道 新闻 本文".split())
# Characters that make a subject a clause rather than a speaker ("他说的书记", "苹果在给法官"); 和 and
# 与 are left to the check for two speakers, as places hold them (呼和浩特).
_NOT_IN_SUBJECT = frozenset("了是谁说在对把被从给向跟")
_DETERMINERS = re.compile("^(?:上述|该|这位|那位|一位|多位|多名|某|有关)")
_SPEAKER_HEADS = (*ORGANISATION_HEADS, *PERSON_NOUNS)


def _normalise_place(place: str | None) -> str | None:
    if not place:
        return None
    place = place.replace("的", "")
    if len(place) > 2 and place[-1] in "市省":
        place = place[:-1]
    return place or None


def normalise_title(core: str, place: str | None) -> str:
    """One spelling per title: 书记/市书记/市委书记 → 市委书记 (省委书记 for a province)."""
    if core in ("书记", "委书记") or re.fullmatch("[省市县区州]书记", core):
        level = core[0] if core[0] in "省市县区州" else ("省" if place in PROVINCES else "市")
        return f"{level}委书记"
    if re.fullmatch("[省市县区州](?:[省市县区州]长)", core):
        return core[1:]  # "市市长" is how "青岛市市长" splits
    return core


def subject_key(subject: str) -> str:
    """A subject as compared with a speaker's name: no 的, no determiner ("上述", "一位")."""
    return _DETERMINERS.sub("", subject.replace("的", ""))


def _parse_role(text: str) -> tuple[str | None, str] | None:
    m = _ROLE_RE.match(text.replace("的", ""))
    if m is None:
        return None
    place = _normalise_place(m.group("place"))
    if place is not None and (place in _PRONOUNS or _NOT_IN_SUBJECT & set(place)):
        return None
    return place, normalise_title(m.group("core"), place)


def _looks_like_name(text: str, names: Collection[str]) -> bool:
    return text in names or plausible_name(text) or bool(FOREIGN_NAME_RE.fullmatch(text))


# What may follow a name in a question: the request, a marker (对/在/关于…), or an occasion.
_AFTER_NAME = re.compile(
    r"^(?:$|[对跟向给同就在关针和与及还也又都曾是的]|赛后|会上|会后|发布会|记者会|发文|贴文|此前|最近|之前|当时)"
)


def _ends_cleanly(subject: str, rest: str, names: Collection[str]) -> bool:
    """Whether a subject ends where a speaker's name can end: a known name always does; a guessed
    one ("武平" in "武平发布会上…") only before what questions put after a name."""
    return subject in names or bool(_AFTER_NAME.match(rest)) or not plausible_name(subject)


def _parse_subject(
    subject: str, names: AbstractSet[str]
) -> tuple[str | None, str | None, str | None] | None:
    """(name, place, title) of the speaker a subject names, or None when it names none."""
    subject = re.sub("(?:同志|先生|女士)$", "", subject)
    if len(subject) < 2 or subject in _PRONOUNS:
        return None
    if subject in names or any(subject + tail in names for tail in ("公司", "集团", "方面")):
        return (subject, None, None) if _looks_like_name(subject, names) else (None, None, None)
    inside = {subject[i:j] for i in range(len(subject)) for j in range(i + 2, len(subject) + 1)} & names
    for name in sorted(inside, key=len, reverse=True):
        before, after = subject.split(name, 1)
        role = _parse_role(before) if before else None
        if (after and not re.fullmatch(f"(?:{_TITLE_ALT})", after)) or (before and role is None):
            continue
        place, title = role if role else (None, None)
        return name, place, title if title is not None or not after else normalise_title(after, place)
    if _NOT_IN_SUBJECT & set(subject.replace("的", "")):
        return None
    role = _parse_role(subject)
    if role is not None:
        return None, role[0], role[1]
    for split in range(len(subject) - 2, 1, -1):
        # "日照市委书记张惠", "苹果CEO库克": a role, then a name the index may not know.
        role = _parse_role(subject[:split])
        if role is not None and re.fullmatch(f"[{CJK}·]{{2,8}}", subject[split:]):
            return subject[split:], role[0], role[1]
    m = re.fullmatch(f"(?P<name>[{CJK}·]{{2,10}}?)(?P<title>{_TITLE_ALT})", subject)
    if m and _looks_like_name(m.group("name"), names):
        return m.group("name"), None, normalise_title(m.group("title"), None)
    if _looks_like_name(subject, names):
        return subject, None, None
    if subject_key(subject).endswith(_SPEAKER_HEADS):
        return None, None, None  # an organisation or a description: matched by the subject itself
    return None


def _split_head(
    head: str, names: AbstractSet[str]
) -> tuple[str, tuple[str | None, str | None, str | None], str] | None:
    """The longest start of ``head`` that names a speaker, what it names, and the rest; None when
    nothing does, or when two speakers are asked about at once ("张海波和张术平")."""
    for end in range(len(head), 1, -1):
        if any(head[:longer] in names for longer in range(end + 1, len(head) + 1)):
            continue  # the start of a longer known name ("张海" of 张海波)
        parsed = _parse_subject(head[:end], names)
        if parsed is None:
            continue
        rest = head[end:]
        if parsed[0] is not None and not _ends_cleanly(parsed[0], rest, names):
            continue
        if _CONJUNCTION.match(rest):
            return None  # answering for either alone would misquote the question
        return head[:end], parsed, rest
    return None


def _clean_claim(claim: str) -> str | None:
    claim = claim.strip(_CLAIM_STRIP)
    if claim in _VAGUE_CLAIMS or len(_PUNCT_RE.sub("", claim)) < 2:
        return None
    return claim


def prepared_names(names: Iterable[str]) -> frozenset[str]:
    """Known names as :func:`parse_speaker_question` looks them up: simplified, in a frozenset (which it
    takes as prepared). Prepare them once per index, not per question."""
    return frozenset(prepared_names_list(list(names)))


def parse_speaker_question(question: str, known_names: Collection[str] = ()) -> SpeakerQuestion | None:
    """A :class:`SpeakerQuestion` for "X说了什么" / "谁说…" questions, ``None`` for any other question.

    ``known_names`` are the speakers and people the index knows (names, organisations, descriptions);
    they let names with rare surnames, and organisations, be recognised. A frozenset is taken as
    simplified already.
    """
    text = normalise_question(question)
    if not text:
        return None
    # The index's names are simplified already and come as a frozenset: converting thousands of them
    # per question would cost more than the rest of the answer.
    names = known_names if isinstance(known_names, frozenset) else prepared_names(known_names)
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
    for pattern in _TAILS:
        strict = pattern is not _TAILS[-1]
        for start in range(1, len(text)):
            tail = pattern.match(text, start)
            if tail is None:
                continue
            split = _split_head(text[:start], names)
            if split is None:
                continue
            subject, (name, place, title), rest = split
            groups = tail.groupdict()
            if rest.startswith("在"):
                rest = re.sub("(?:上|中|里|时|后|期间)$", "", rest)
            asked = _MARKERS.sub("", rest) + (groups.get("after") or "") + (groups.get("rest") or "")
            about = re.sub("^(?:关于|对于|有关)", "", asked.strip(_CLAIM_STRIP).removesuffix("的"))
            verb = groups.get("verb") or ""
            if verb in _TOPICAL_VERBS and not about.startswith(verb):
                # "怎么道歉的", "有什么提醒": the request itself says what the statement is about.
                about = f"{verb}{about}"
            return SpeakerQuestion("what_said", name, place, title, about or None, subject_key(subject), strict)
    return None
