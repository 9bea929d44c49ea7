"""Question analysis: what a question is about, what kind of answer it wants, and whom it asks about.

A question is mostly question words: "烟台市长叫什么名字" holds one content phrase (烟台市长) and a
request for a person's name. Counted as evidence, 叫/什/名字 and pairs across words such as 长叫 are
unknown to a small index and weigh as its rarest terms, so question words and particles are cut out
first; what is left are the content segments, and only their characters, pairs and words are terms.

Pure and fast: regular expressions and, for terms, the index's own vocabulary; no jieba at question time.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Container
from dataclasses import dataclass
from typing import Literal

from index.normalization import normalise_question, query_terms
from index.speakers.questions import SpeakerQuestion, parse_speaker_question

AnswerType = Literal[
    "statement", "reason", "role", "person", "date", "duration", "place", "number", "list", "manner", "yesno",
    "definition",
]

# What each kind of question asks for, most specific first: "哪年" is a date before it is a number,
# "哪位" a person before it is a list, "几年" a duration. Speaker questions ask for a statement.
# 何 asks only outside 任何, 如何 and 为何 (任何地方 is no 何地).
_ASK_PATTERNS: tuple[tuple[AnswerType, str], ...] = (
    ("statement", r"(?:说|讲|谈|聊|表示|提到|谈到|介绍|通报|回应)(?:了|过|到)?(?:些|一些)?(?:什么|啥|哪些)"
                  r"|(?:怎么|如何|怎样)(?:说|看|评价|回应|表态)|有(?:什么|何|哪些)(?:看法|观点|表态|建议|提醒|回应)"
                  r"|的(?:讲话|发言|表态)"),
    ("reason", r"为什么|为何|为啥|什么原因|原因是什么|原因何在|怎么会|凭什么|因为什么|何故"),
    ("role", r"(?:什么|哪些|哪个|何种|啥)(?:职务|职位|官职?|身份|头衔)"
             r"|担任(?:了)?(?:什么|哪些|何)|当过(?:什么|哪些|啥)"),
    ("person", r"谁|哪位|(?<![任如为])何人|什么人|哪个人|哪些人|叫什么名字|名字是什么|叫啥名|姓名是什么"
               r"|是哪(?:个|一)?(?:名|位)?[\u4e00-\u9fff]{0,2}员"),
    ("date", r"什么时候|啥时候|(?<![任如为])何[时年日]|什么时间|哪一?年|哪一?天|哪个月|哪一?月|几月|几号|几日(?!内)"
             r"|哪一日|几点|什么日子|年份"),
    ("duration", r"多久|多长时间|多少年|多少天|多少个?月|多少个?小时|多少分钟"
                 r"|几年|几天|几个月|几个?小时|几分钟|几周"),
    ("place", r"哪里|哪儿|在哪|从哪|去哪|到哪|(?<![任如为])何[地处]|什么地方|啥地方"
              r"|哪个(?:国家|城市|省|地区|地方|州|县|区|市)|哪(?:国|座城市|座)"),
    ("list", r"哪些|哪几|包括什么|有哪"),
    ("number", r"多少|几(?!乎)|多[大高长重远宽深厚快]|第几|百分之几|比分|几成"),
    ("manner", r"怎么|如何|怎样|咋"),
    ("yesno", r"吗$|是否|有没有|是不是|能不能|会不会|可不可以|能否|可否|要不要|有无"),
    ("definition", r"什么|啥"),
)
_ASKS = tuple((name, re.compile(pattern)) for name, pattern in _ASK_PATTERNS)


# Question words, particles and pronouns: never evidence. Longest first, so "叫什么名字" goes whole.
_QUESTION_WORDS = sorted(
    set(
        "叫什么名字 叫啥名字 名字是什么 叫什么 叫啥 是什么 是啥 是谁 有哪些 有什么 有啥 有没有 有无 是不是 是否 "
        "能不能 会不会 可不可以 要不要 能否 可否 什么时候 啥时候 什么时间 什么地方 啥地方 什么原因 为什么 为何 为啥 "
        "怎么样 怎么回事 怎么 如何 怎样 咋 多少钱 多久 多长时间 多大 多高 多长 多远 多重 多宽 多深 多快 "
        "哪些 哪里 哪儿 "
        "什么 啥 谁 吗 呢 吧 呀 啊 嘛 么 哦 请问 一下 告诉我 我想知道 想知道 你知道 "
        "咱们 我们 你们 他们 她们 它们 大家 我 你 咱 它 这个 那个 这些 那些 这种 那种 这栋 那栋 这位 那位 这次 那次 "
        "些 一些 到底 究竟 具体 主要".split()
    ),
    key=len,
    reverse=True,
)
# A question word with its measure word ("哪几个", "是哪位", "多少名", "哪一年"): the measure word alone is
# no evidence. Tried after the words above, so 哪里 and 多少钱 go whole.
_COUNTED = r"(?:是)?(?:哪|几|多少)(?:一)?[个位名次种条家所项倍块层级件只张场起岁年天月日号]?"
# Speech verbs next to a question word ask for a statement; they are not what the statement is about.
_ASKED_SPEECH = (
    r"(?:是)?谁(?:曾经|曾)?(?:说|讲|表示|提出)(?:了|过|的|道)?"
    r"|(?:是)?(?:怎么|如何|怎样|咋)(?:说|讲|看)(?:的)?"
    r"|(?:说|讲|谈|聊|提|提到|提出|谈到|表示|介绍|通报)(?:了|过|到)?(?:些|一些)?(?:什么|啥|哪些|哪几[个项点条种])"
    r"|的?(?:讲话|发言)(?:内容)?"
)
# Light verbs and copulas before a question word (做了什么, 是多少, 有多大); 他/她 as a pronoun, not inside
# 其他; 的 and 了 as particles, not inside 目的/的确/为了/了解.
_PARTICLES = (
    r"(?<![任如为])何(?:时|地|处|人|种)|(?:做|干|搞)(?:了)?(?=什么|啥|哪些)|在(?=哪)|[是有](?=多|几|哪|什么|谁|啥|怎么|如何|否|没有)|(?<!其)[他她]"
    r"|(?<![目有端])的(?![确士])|(?<![为除罢])了(?!解|不起|结|却)|过(?=[了的，,]|$)"
)
_SPLIT_RE = re.compile(
    f"{_ASKED_SPEECH}|{'|'.join(re.escape(w) for w in _QUESTION_WORDS)}|{_COUNTED}|{_PARTICLES}"
    r"|[^\u4e00-\u9fffA-Za-z0-9%％.· ]+"
)
_QUOTED_RE = re.compile(r"[“「『\"‘']([^”」』\"’']+)[”」』\"’']")


@dataclass(frozen=True)
class Question:
    """A question taken apart once: see :func:`analyse`."""

    text: str
    content: tuple[str, ...]
    asks: AnswerType | None
    quoted: tuple[str, ...]
    speaker: SpeakerQuestion | None

    def terms(self, vocabulary: Container[str]) -> list[str]:
        """Search terms: characters, pairs and indexed words of the content segments only.

        Pairs never cross a question word ("烟台市长叫什么名字" gives 市长, not 长叫). A question made of
        question words only ("说了什么") has no terms: nothing in it is evidence of anything.
        """
        terms: list[str] = []
        for segment in self.content:
            terms.extend(query_terms(segment, vocabulary))
        return list(dict.fromkeys(terms))


    def focus(self) -> tuple[str, ...]:
        """The character pairs of the content segments (lower-cased): what a quote about the question
        holds, to choose the part of a long statement that answers."""
        pairs = (seg[i : i + 2].lower() for seg in self.content for i in range(len(seg) - 1))
        return tuple(dict.fromkeys(p for p in pairs if re.fullmatch(r"[\u4e00-\u9fff]{2}", p)))


def content_segments(text: str) -> tuple[str, ...]:
    """The runs of a normalised question between its question words, particles and punctuation."""
    segments = (s.strip(".· ") for s in _SPLIT_RE.split(text))
    return tuple(s for s in segments if s)


def answer_type(text: str, speaker: SpeakerQuestion | None = None) -> AnswerType | None:
    """The kind of answer a normalised question asks for; ``None`` when nothing says."""
    if speaker is not None:
        return "person" if speaker.kind == "who_said" else "statement"
    for name, pattern in _ASKS:
        if pattern.search(text):
            return name
    return None


def analyse(question: str, known_names: Collection[str] = (), speakers: bool = True) -> Question:
    """Take ``question`` apart: content segments, asked-for type, quoted words, and the speaker asked about.

    ``known_names`` are the people the index knows, so that names outside the usual surnames are
    recognised in speaker questions; ``speakers=False`` skips that part (search has no use for it).
    """
    text = normalise_question(question)
    speaker = parse_speaker_question(text, known_names) if text and speakers else None
    quoted = tuple(q.strip() for q in _QUOTED_RE.findall(text) if q.strip())
    return Question(text, content_segments(text), answer_type(text, speaker), quoted, speaker)
