"""Who said what: people, their roles and their statements, found in cleaned paragraphs at index time.

Chinese news names an official once with a full role ("威海市委书记张海波"), later by name alone
("张海波说"), by pronoun ("他表示") or by surname and title ("张书记说"). A local paper leaves its own
city out ("市委书记王清宪" in a Qingdao paper is Qingdao's), and lists a delegation as one enumeration
("烟台市委书记张术平,市委副书记、市长陈飞率领"), where later members share the first member's city.

Everything here is pattern based and pure: no model, no I/O. Statements are verbatim spans of the
cleaned article text, so a quote built from one can never contain a word the article does not.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.records import Paragraph
from index.sentences import split_sentences

__all__ = [
    "PROVINCES",
    "Person",
    "Statement",
    "best_role",
    "extract_people",
    "extract_statements",
    "label",
    "plausible_name",
    "split_place",
]


@dataclass(frozen=True)
class Person:
    """One person in one article, with every role the article gives them (place included)."""

    name: str
    roles: tuple[str, ...]
    place: str | None
    paragraphs: tuple[int, ...] = ()


@dataclass(frozen=True)
class Statement:
    """What one person says in one paragraph: whole sentences, verbatim.

    ``start``/``end`` index the cleaned article text (the coordinates of :class:`Paragraph`), so
    ``text == article_text[start:end]``.
    """

    name: str
    role: str
    paragraph: int
    start: int
    end: int
    text: str
    section: str | None


# --- vocabulary -------------------------------------------------------------------------------------

_CJK = "\u4e00-\u9fff"

# Common single-character surnames. Words that double as everyday function words (和, 都, 来, 国…)
# are left out on purpose: after a title they are far likelier to start a verb phrase than a name.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    "柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶牟艾尤阳穆农司卓古吉缪简车项"
    "连芦麦褚娄窦戚岑景宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘"
    "池查麻苑迟邝封匡鞠惠荆乐冀郁胥南储栗燕楚鄢劳谌奚皮粟冼蔺楼闻厉伊仝郜阚屠朴禹祖漆卿狄晋初扈晁芮"
    "阎戈鹿郦成时"
)
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 慕容 令狐 公孙 尉迟 长孙 宇文 司徒 夏侯 "
    "端木 独孤 轩辕 申屠 澹台 南宫 西门 呼延".split()
)
# Everyday words that start with a surname character and would otherwise pass as names.
_NOT_NAMES = frozenset(
    "高度 高兴 高速 高校 高层 高新 高质量 于是 于此 何时 何处 方面 方式 方案 "
    "方向 方法 文件 文化 文章 文明 万元 万人 安全 安排 安置 常委 常务 常态 成为 "
    "成立 成功 成果 成效 时间 时候 时期 许多 许多人 林业 金融 石油 江苏 江西 "
    "湖南 广东 黄河 长江 南方 南京 华为 华夏 龙头 白天 任务 任何 周边 周年 周末 "
    "曾经 程序 管理 关于 关注 关键 钱款 温度 康复 史上 史料 秦岭 齐鲁 鲁南 杨柳 "
    "贺信 乐观 简单 苏州 沙滩 景区 宁波 孟子 卫生 卫星 师生 武汉 毕业 姜汁 冷链 "
    "申请 祝贺 包括 尚未 严格 严重 吉林 宫殿 燕山 韩国 朱门 古代 车辆 车间 项目 "
    "连续 连接 席位 米兰 宗旨 桂林 商务 商业 商品 荣获 荣誉 曲阜 司法 卓越 古城 "
    "楚天 储备 晋升 初步 初心 阎王 时任 马上 牛市 田间 董事 董事长 苗木 古巴".split()
)
# Characters a two-character name is never followed by when the third character is part of the name.
_AFTER_NAME_CHARS = frozenset("说称讲道和与及等在的是也都就对向还到则又曾已并将从于把被让给跟这那")
_AFTER_NAME_WORDS = tuple(
    "率领 率队 带领 带队 出席 主持 陪同 参加 参观 会见 会谈 考察 调研 视察 看望 "
    "慰问 听取 作了 做了 致辞 发言 讲话 同志 一行 等人 同时 先生 女士 一起 共同 "
    "分别 先后 随后 当天 今天 昨天 日前 近日 现场 亲自 专程 再次 首先 亲切 高度 "
    "代表 委员 书记 市长 教授 表示 指出 强调 认为 介绍 希望 透露 谈到 谈及 提到 "
    "提出 坦言 直言 告诉 解释 补充 呼吁 建议 感慨 称赞 说明 回忆 回答 回应 笑称 "
    "坦承 承认 相信 坚信 提醒 寄语 分析 预计 宣布 表态 要求 主张".split()
)
# A name never ends with these: they end organisations ("林业局") and collective nouns ("双方").
_NOT_NAME_LAST = frozenset("局部厅委会司院所处们者府门校团省市县区镇乡村组队站办社报网员界业面件章告议")

# Titles that follow the name ("王岳洲代表", "张书记说"), as opposed to preceding it.
_POSTFIX_TITLES = tuple(
    "总书记 书记 市长 省长 县长 区长 主任 代表 委员 主席 部长 局长 厅长 院长 "
    "校长 教授 院士 董事长 总经理 经理 老师 医生 博士".split()
)
_TITLES = (
    *_POSTFIX_TITLES,
    *"镇长 乡长 州长 村长 常委 记者 处长 科长 署长 总裁 总监 董事 研究员 秘书长 "
    "行长 总工程师 总理 会长 理事长 所长 馆长 队长 组长 社长 总编辑 主编 经济学家 "
    "发言人 检察长 负责人 主任医师 党组书记 站长 支书 主任委员".split(),
)


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_TITLE_RE = re.compile(_alternation(_TITLES))
_TITLE_AT_END_RE = re.compile(f"(?:{_alternation(_TITLES)})$")
_POSTFIX_TITLE_ALT = _alternation(_POSTFIX_TITLES)

# Words after which a role starts: "由潍坊市委书记…", "会上市委书记…". Searched right to left in
# the text before a title, so the role is what follows the last of them.
_BREAKERS = tuple(
    "由 在 和 与 及 同 对 向 据 被 将 为 是 了 的 让 请 把 从 给 经 并 "
    "等 以及 邀请 会见 陪同 看望 慰问 听取 出席 主持 率领 带领 会上 会后 会前 "
    "当天 今天 昨天 近日 日前 随后 同时 其中 此外 另外 目前 此前 上午 下午 晚上 "
    "期间 采访 专访 看到".split()
)
_BREAKER_RE = re.compile(f".*(?:{_alternation(_BREAKERS)})", re.S)
_MAX_ROLE_CHARS = 16

# "威海" + "市委书记", "潍坊" + "代市长", "山东" + "省委书记": a place is the 2–4 characters in
# front of an administrative level character.
_PLACE_SPLIT_RE = re.compile(f"^([{_CJK}]{{2,4}}?)((?:常务副|副|代)?[省市县区州].+)$")
_LEVEL_ROLE_RE = re.compile("^(?:常务副|副|代)?[市县区州]")
PROVINCES = frozenset(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 "
    "山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 "
    "广西 西藏 宁夏 新疆 香港 澳门".split()
)

_SPEECH_VERB = (
    r"(?:说道|说(?!明书)|表示|指出|强调|认为|介绍(?:说)?|希望|称(?!为|号|作)|透露|谈到|谈及|提到|提出"
    r"|坦言|直言|告诉|解释|补充|呼吁|建议|感慨|称赞|说明|讲(?!话|解|述|课|座|究|师)|回忆|回答|回应|笑称"
    r"|坦承|承认|相信|坚信|提醒|寄语|分析|预计|宣布|表态)"
)
# What may stand between a speaker and the verb: "还", "在会上", "在接受记者采访时".
_ADVERBIAL = (
    r"(?:(?:也|还|则|又|更|就此|同时|进一步|特别|再次|最后|首先|随后|接着|当即|深有感触地|动情地|笑着"
    r"|对记者|向记者)"
    r"|在[^，。！？,!?“”\n]{1,24}?(?:上|中|时|后|期间)[，,]?){0,3}"
)
_CLAUSE_START = r"(?:^|(?<=[，,。！？!?：:；;“”\"\s]))"
_UNTITLED_CUE_RE = re.compile(
    f"{_CLAUSE_START}(?:据)?(?P<name>[{_CJK}]{{2,4}}?)(?:{_POSTFIX_TITLE_ALT})?(?:同志)?"
    f"{_ADVERBIAL}{_SPEECH_VERB}"
)
_PRONOUN_CUE_RE = re.compile(f"{_CLAUSE_START}(?:据)?(?P<pronoun>他|她)(?!们){_ADVERBIAL}{_SPEECH_VERB}")
_SURNAME_CUE_RE = re.compile(
    f"{_CLAUSE_START}(?:据)?(?:(?P<prefix>老|小)(?P<bare>[{_CJK}])|(?P<surname>[{_CJK}])"
    f"(?P<title>{_POSTFIX_TITLE_ALT}))(?:同志)?{_ADVERBIAL}{_SPEECH_VERB}"
)
_POSTFIX_MENTION_RE = re.compile(
    f"(?<![{_CJK}])(?P<name>[{_CJK}]{{2,4}}?)(?P<title>代表|委员)(?=$|[^{_CJK}]|{_ADVERBIAL}{_SPEECH_VERB})"
)
# A delegation visiting the paper's city: "来青考察" (青 = 青岛) or "来青岛考察".
_HOST_CUE_RE = re.compile(f"来(?P<host>[{_CJK}]{{1,3}}?)(?:考察|调研|访问|参观|视察|交流|洽谈|学习)")
_SECTION_PLACE_RE = re.compile(f"^\\s*([{_CJK}]{{2,4}})\\s*[:：]")
_ENUMERATION_GAP_RE = re.compile(r"^[\s,，、和与及]*$")
# The chunker's sentence rule, so a statement starts and ends where chunks do: 。！？!?；; or an
# ellipsis, with the closing quotes after it, except quoted speech going on with a comma (“不……”，他说).
_CLAUSE_PUNCT = "，,；;：:"
_INTRODUCES_QUOTE_RE = re.compile(r"[\s:：,，]*")
_QUOTE_CLOSE = "”」』\""
_QUOTE_OPEN = "“「『\""
_MIN_STATEMENT_CJK = 4
_QUOTATION_RE = re.compile("[“「『\"][^”」』\"]*[”」』\"]")
# "威海市召开…", "青岛市与潍坊市…": a two-character city at a clause start or after a conjunction.
_CITY_MENTION_RE = re.compile(f"(?:^|(?<=[^{_CJK}])|(?<=[与和及、由在赴到从对]))([{_CJK}]{{2}})市")

# How strongly a role's place is known; a stronger one wins when a person's mentions disagree.
_EXPLICIT, _INHERITED, _DEFAULT = 3, 2, 1


# --- names ------------------------------------------------------------------------------------------


def _surname_length(candidate: str) -> int:
    if candidate[:2] in _COMPOUND_SURNAMES:
        return 2
    return 1 if candidate[:1] in _SURNAMES else 0


def plausible_name(candidate: str) -> bool:
    """Whether a 2–4 character string can be a Chinese personal name (surname first, no common word)."""
    if not 2 <= len(candidate) <= 4 or not re.fullmatch(f"[{_CJK}]+", candidate):
        return False
    surname = _surname_length(candidate)
    if surname == 0 or not surname + 1 <= len(candidate) <= surname + 2:
        return False
    if candidate in _NOT_NAMES or candidate[:2] in _NOT_NAMES or candidate[-1] in _NOT_NAME_LAST:
        return False
    return not re.search(_TITLE_RE, candidate[surname:])


def _ends_a_name(text: str, at: int) -> bool:
    """Whether a name may end just before ``text[at]``."""
    if at >= len(text) or not re.match(f"[{_CJK}]", text[at]):
        return True
    return text[at] in _AFTER_NAME_CHARS or text.startswith(_AFTER_NAME_WORDS, at)


def _read_name(text: str, at: int, article: str) -> str | None:
    """The name that starts at ``text[at]``, choosing between a two- and a three-character reading."""
    run = re.match(f"[{_CJK}]{{1,5}}", text[at:])
    if run is None:
        return None
    surname = _surname_length(run.group())
    if surname == 0 or len(run.group()) < surname + 1:
        return None
    short = run.group()[: surname + 1]
    long = run.group()[: surname + 2] if len(run.group()) >= surname + 2 else None
    if long is None or _ends_a_name(text, at + len(short)):
        chosen = short
    elif not _ends_a_name(text, at + len(long)) and _standalone_elsewhere(short, article):
        # Neither reading ends cleanly: trust the one the article also uses on its own ("陈飞视察").
        chosen = short
    else:
        chosen = long
    return chosen if plausible_name(chosen) else None


def _standalone_elsewhere(name: str, article: str) -> bool:
    return any(_ends_a_name(article, m.end()) for m in re.finditer(re.escape(name), article))


# --- roles and places -------------------------------------------------------------------------------


def split_place(role: str) -> tuple[str | None, str]:
    """("威海", "市委书记") for "威海市委书记"; (None, role) when the role names no place."""
    m = _PLACE_SPLIT_RE.match(role)
    if m is None:
        return None, role
    return m.group(1), m.group(2)


def _placeable(core: str) -> bool:
    """Whether a role without a place belongs to a city the context decides ("市长", not "省委常委")."""
    return _LEVEL_ROLE_RE.match(core) is not None


def _trim_role_prefix(unit: str) -> str:
    title = _TITLE_AT_END_RE.search(unit)
    if title is None:
        return ""
    head = _BREAKER_RE.match(unit[: title.start()])
    return unit[head.end() :] if head else unit


def _role_chain_before(text: str, end: int) -> tuple[list[str], int]:
    """The roles joined by 、 that end at ``end`` ("省委常委、市委书记"), and where the chain starts."""
    units: list[str] = []
    start = end
    pos = end
    while True:
        left = pos
        while left > 0 and pos - left < _MAX_ROLE_CHARS and re.match(f"[{_CJK}]", text[left - 1]):
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


# --- sentences --------------------------------------------------------------------------------------


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    # The chunker's splitter: statements start and end where chunks do.
    return split_sentences(text)


def _sentence_start(text: str, pos: int) -> int:
    start = _sentence_of(text, pos)[0]
    while start < pos and text[start].isspace():
        start += 1
    return start


def _sentence_of(text: str, pos: int) -> tuple[int, int]:
    for start, end in _sentence_spans(text):
        if start <= pos < end:
            return start, end
    return pos, pos


# --- people -----------------------------------------------------------------------------------------


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


def _role_mentions(paragraphs: Sequence[Paragraph], article: str) -> list[_Mention]:
    mentions: list[_Mention] = []
    for index, paragraph in enumerate(paragraphs):
        text = paragraph.text
        found: list[_Mention] = []
        for title in _TITLE_RE.finditer(text):
            units, chain_start = _role_chain_before(text, title.end())
            if not units:
                continue
            at = title.end()
            # Bylines separate names with spaces: "半岛记者 刘鑫 崔璞".
            while True:
                gap = re.match(r"[ \u3000]*", text[at:])
                name_at = at + (gap.end() if gap else 0)
                name = _read_name(text, name_at, article)
                if name is None:
                    break
                found.append(_Mention(name, tuple(units), index, chain_start, name_at + len(name)))
                at = name_at + len(name)
                if not re.match(r"[ \u3000]+", text[at:]):
                    break
        for m in _POSTFIX_MENTION_RE.finditer(text):
            if plausible_name(m.group("name")):
                found.append(_Mention(m.group("name"), (m.group("title"),), index, m.start(), m.end("name")))
        found.sort(key=lambda mention: mention.start)
        mentions.extend(found)
    return mentions


def _section_place(section: str | None) -> str | None:
    if not section:
        return None
    m = _SECTION_PLACE_RE.match(section)
    return m.group(1) if m else None


def _host_place(paragraphs: Sequence[Paragraph], article: str, places: set[str]) -> str | None:
    """The city the paper writes from, when a visit to it gives it away ("来青考察")."""
    for paragraph in paragraphs:
        for m in _HOST_CUE_RE.finditer(paragraph.text):
            host = m.group("host")
            if host in places or (len(host) > 1 and host in article):
                return host
            if len(host) == 1:
                expansions = Counter(re.findall(f"({re.escape(host)}[{_CJK}])市", article))
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
                if place and _placeable(core):  # a province ("山东省委书记") is no city to default to
                    self.places.add(place)
        for p in paragraphs:
            section = _section_place(p.section)
            if section:
                self.places.add(section)
            self.places.update(_CITY_MENTION_RE.findall(p.text))
        self.host = _host_place(paragraphs, article, self.places)
        if self.host:
            self.places.add(self.host)

    def default_place(self, mention: _Mention) -> str | None:
        paragraph = self.paragraphs[mention.paragraph]
        text = paragraph.text
        sentence_start, sentence_end = _sentence_of(text, mention.start)
        visiting = any(
            m.start() > mention.end for m in _HOST_CUE_RE.finditer(text, sentence_start, sentence_end)
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
            if previous[0].end <= mention.start and _ENUMERATION_GAP_RE.match(gap):
                enumerated = previous[1]
        roles: list[_PlacedRole] = []
        chain_place: str | None = None
        for unit in mention.units:
            place, core = split_place(unit)
            if place is not None:
                chain_place = place
                roles.append(_PlacedRole(unit, place, _EXPLICIT))
            elif not _placeable(core):
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


def extract_people(paragraphs: Sequence[Paragraph]) -> list[Person]:
    """Everyone the paragraphs name with a role, or quote by name, in order of first mention."""
    article = "\n\n".join(p.text for p in paragraphs)
    mentions = _role_mentions(paragraphs, article)
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
        for cue in _untitled_cues(paragraph.text, names_in_roles):
            if cue.name is not None and cue.name not in people:
                people[cue.name] = Person(cue.name, (), None, (paragraph.number,))
                first_seen[cue.name] = (index, cue.subject_start)
    return sorted(people.values(), key=lambda person: first_seen[person.name])


def _merge(
    name: str, entries: Sequence[tuple[_Mention, list[_PlacedRole]]], paragraphs: Sequence[Paragraph]
) -> Person:
    everything = [role for _, roles in entries for role in roles]
    # Only a city role's place can stand in for another city role's ("山东省委书记" places no 市长).
    city = [r for r in everything if r.place and _placeable(r.role[len(r.place) :])]
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


# --- statements -------------------------------------------------------------------------------------


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
            f"(?:据)?{re.escape(name)}(?:{_POSTFIX_TITLE_ALT})?(?:同志)?{_ADVERBIAL}{_SPEECH_VERB}"
        )
        for m in pattern.finditer(text):
            name_at = text.index(name, m.start())
            if any(s <= name_at < e for s, e in taken):
                continue  # part of a longer known name
            taken.append((name_at, name_at + len(name)))
            units, chain_start = _role_chain_before(text, name_at)
            subject = chain_start if units else m.start()
            if units and subject > 0 and text[subject - 1] == "据":
                subject -= 1
            cues.append(_Cue(name, subject, m.end()))
    return cues


def _untitled_cues(text: str, known: Iterable[str]) -> list[_Cue]:
    known_set = set(known)
    cues: list[_Cue] = []
    for m in _UNTITLED_CUE_RE.finditer(text):
        name = m.group("name")
        if name in known_set or not plausible_name(name):
            continue
        cues.append(_Cue(name, m.start(), m.end()))
    return cues


def _reference_cues(text: str) -> list[_Cue]:
    cues = [_Cue(None, m.start(), m.end(), pronoun=True) for m in _PRONOUN_CUE_RE.finditer(text)]
    for m in _SURNAME_CUE_RE.finditer(text):
        surname = m.group("bare") or m.group("surname")
        if surname in _SURNAMES:
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
    if before and before[-1] in _QUOTE_CLOSE:
        # “……,”王芳说: the statement is the quotation in front of its speaker, unless the previous
        # speaker introduced that quotation (李明说:“……。”王芳说…).
        opening = max(text.rfind(q, 0, len(before) - 1) for q in _QUOTE_OPEN)
        if opening >= 0 and not (floor and _INTRODUCES_QUOTE_RE.fullmatch(text[floor:opening])):
            anchor = opening
    start = _sentence_start(text, anchor)
    if start < floor:
        # Someone else already speaks earlier in this sentence: start after their clause.
        clause = max(text.rfind(p, floor, cue.subject_start) for p in _CLAUSE_PUNCT)
        start = clause + 1 if clause >= 0 else floor
        while start < cue.subject_start and text[start].isspace():
            start += 1
    return max(start, floor)


def _content_chars(text: str) -> int:
    return len(re.findall(f"[{_CJK}]", text))


def _said_chars(text: str, span: _Span) -> int:
    """How much is said: what follows the verb, plus a quotation put before the speaker."""
    quoted = "".join(_QUOTATION_RE.findall(text, span.start, span.subject_start))
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
            if _said_chars(text, span) < _MIN_STATEMENT_CJK:
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
    cues = _dedupe(_known_cues(text, known) + _untitled_cues(text, known) + _reference_cues(text))
    resolved: list[tuple[str, _Cue]] = []
    for cue in cues:
        name = cue.name
        if name is None:
            local = [n for at, n in mentions if at < cue.subject_start] + [n for n, _ in resolved]
            if cue.pronoun:
                # 他/她 is the latest speaker, else the latest person named before it.
                name = resolved[-1][0] if resolved else (local[-1] if local else None)
                if name is None and _sentence_start(text, cue.subject_start) == 0:
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
