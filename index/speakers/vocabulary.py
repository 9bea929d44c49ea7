"""The words that find speakers: surnames, titles, places, speech verbs, and how questions ask about them.

One vocabulary for the extraction at index time and for the questions: a title the articles use is a
title a question may ask for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CJK = "\u4e00-\u9fff"

# Common single-character surnames. Words that double as everyday function words (和, 都, 来, 国…)
# are left out on purpose: after a title they are far likelier to start a verb phrase than a name.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    "柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶牟艾尤阳穆农司卓古吉缪简车项"
    "连芦麦褚娄窦戚岑景宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘"
    "池查麻苑迟邝封匡鞠惠荆乐冀郁胥南储栗燕楚鄢劳谌奚皮粟冼蔺楼闻厉伊仝郜阚屠朴禹祖漆卿狄晋初扈晁芮"
    "阎戈鹿郦成时"
)
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 慕容 令狐 公孙 尉迟 长孙 宇文 司徒 夏侯 "
    "端木 独孤 轩辕 申屠 澹台 南宫 西门 呼延".split()
)
# Everyday words that start with a surname character and would otherwise pass as names.
NOT_NAMES = frozenset(
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
AFTER_NAME_CHARS = frozenset("说称讲道和与及等在的是也都就对向还到则又曾已并将从于把被让给跟这那")
AFTER_NAME_WORDS = tuple(
    "率领 率队 带领 带队 出席 主持 陪同 参加 参观 会见 会谈 考察 调研 视察 看望 "
    "慰问 听取 作了 做了 致辞 发言 讲话 同志 一行 等人 同时 先生 女士 一起 共同 "
    "分别 先后 随后 当天 今天 昨天 日前 近日 现场 亲自 专程 再次 首先 亲切 高度 "
    "代表 委员 书记 市长 教授 表示 指出 强调 认为 介绍 希望 透露 谈到 谈及 提到 "
    "提出 坦言 直言 告诉 解释 补充 呼吁 建议 感慨 称赞 说明 回忆 回答 回应 笑称 "
    "坦承 承认 相信 坚信 提醒 寄语 分析 预计 宣布 表态 要求 主张".split()
)
# A name never ends with these: they end organisations ("林业局") and collective nouns ("双方").
NOT_NAME_LAST = frozenset("局部厅委会司院所处们者府门校团省市县区镇乡村组队站办社报网员界业面件章告议")

# Titles that follow the name ("王岳洲代表", "张书记说"), as opposed to preceding it.
POSTFIX_TITLES = tuple(
    "总书记 书记 市长 省长 县长 区长 主任 代表 委员 主席 部长 局长 厅长 院长 "
    "校长 教授 院士 董事长 总经理 经理 老师 医生 博士".split()
)
TITLES = (
    *POSTFIX_TITLES,
    *"镇长 乡长 州长 村长 常委 记者 处长 科长 署长 总裁 总监 董事 研究员 秘书长 "
    "行长 总工程师 总理 会长 理事长 所长 馆长 队长 组长 社长 总编辑 主编 经济学家 "
    "发言人 检察长 负责人 主任医师 党组书记 站长 支书 主任委员".split(),
)


def alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


TITLE_RE = re.compile(alternation(TITLES))
TITLE_AT_END_RE = re.compile(f"(?:{alternation(TITLES)})$")
POSTFIX_TITLE_ALT = alternation(POSTFIX_TITLES)

# Words after which a role starts: "由潍坊市委书记…", "会上市委书记…". Searched right to left in
# the text before a title, so the role is what follows the last of them.
BREAKERS = tuple(
    "由 在 和 与 及 同 对 向 据 被 将 为 是 了 的 让 请 把 从 给 经 并 "
    "等 以及 邀请 会见 陪同 看望 慰问 听取 出席 主持 率领 带领 会上 会后 会前 "
    "当天 今天 昨天 近日 日前 随后 同时 其中 此外 另外 目前 此前 上午 下午 晚上 "
    "期间 采访 专访 看到".split()
)
BREAKER_RE = re.compile(f".*(?:{alternation(BREAKERS)})", re.S)
MAX_ROLE_CHARS = 16

# "威海" + "市委书记", "潍坊" + "代市长", "山东" + "省委书记": a place is the 2–4 characters in
# front of an administrative level character.
PLACE_SPLIT_RE = re.compile(f"^([{CJK}]{{2,4}}?)((?:常务副|副|代)?[省市县区州].+)$")
LEVEL_ROLE_RE = re.compile("^(?:常务副|副|代)?[市县区州]")
PROVINCES = frozenset(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 "
    "山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 "
    "广西 西藏 宁夏 新疆 香港 澳门".split()
)

SPEECH_VERB = (
    r"(?:说道|说(?!明书)|表示|指出|强调|认为|介绍(?:说)?|希望|称(?!为|号|作)|透露|谈到|谈及|提到|提出"
    r"|坦言|直言|告诉|解释|补充|呼吁|建议|感慨|称赞|说明|讲(?!话|解|述|课|座|究|师)|回忆|回答|回应|笑称"
    r"|坦承|承认|相信|坚信|提醒|寄语|分析|预计|宣布|表态)"
)
# What may stand between a speaker and the verb: "还", "在会上", "在接受记者采访时".
ADVERBIAL = (
    r"(?:(?:也|还|则|又|更|就此|同时|进一步|特别|再次|最后|首先|随后|接着|当即|深有感触地|动情地|笑着"
    r"|对记者|向记者)"
    r"|在[^，。！？,!?“”\n]{1,24}?(?:上|中|时|后|期间)[，,]?){0,3}"
)
CLAUSE_START = r"(?:^|(?<=[，,。！？!?：:；;“”\"\s]))"
UNTITLED_CUE_RE = re.compile(
    f"{CLAUSE_START}(?:据)?(?P<name>[{CJK}]{{2,4}}?)(?:{POSTFIX_TITLE_ALT})?(?:同志)?"
    f"{ADVERBIAL}{SPEECH_VERB}"
)
PRONOUN_CUE_RE = re.compile(f"{CLAUSE_START}(?:据)?(?P<pronoun>他|她)(?!们){ADVERBIAL}{SPEECH_VERB}")
SURNAME_CUE_RE = re.compile(
    f"{CLAUSE_START}(?:据)?(?:(?P<prefix>老|小)(?P<bare>[{CJK}])|(?P<surname>[{CJK}])"
    f"(?P<title>{POSTFIX_TITLE_ALT}))(?:同志)?{ADVERBIAL}{SPEECH_VERB}"
)
POSTFIX_MENTION_RE = re.compile(
    f"(?<![{CJK}])(?P<name>[{CJK}]{{2,4}}?)(?P<title>代表|委员)(?=$|[^{CJK}]|{ADVERBIAL}{SPEECH_VERB})"
)
# A delegation visiting the paper's city: "来青考察" (青 = 青岛) or "来青岛考察".
HOST_CUE_RE = re.compile(f"来(?P<host>[{CJK}]{{1,3}}?)(?:考察|调研|访问|参观|视察|交流|洽谈|学习)")
SECTION_PLACE_RE = re.compile(f"^\\s*([{CJK}]{{2,4}})\\s*[:：]")
ENUMERATION_GAP_RE = re.compile(r"^[\s,，、和与及]*$")
# The chunker's sentence rule, so a statement starts and ends where chunks do: 。！？!?；; or an
# ellipsis, with the closing quotes after it, except quoted speech going on with a comma (“不……”，他说).
CLAUSE_PUNCT = "，,；;：:"
INTRODUCES_QUOTE_RE = re.compile(r"[\s:：,，]*")
QUOTE_CLOSE = "”」』\""
QUOTE_OPEN = "“「『\""
MIN_STATEMENT_CJK = 4
QUOTATION_RE = re.compile("[“「『\"][^”」』\"]*[”」』\"]")
# "威海市召开…", "青岛市与潍坊市…": a two-character city at a clause start or after a conjunction.
CITY_MENTION_RE = re.compile(f"(?:^|(?<=[^{CJK}])|(?<=[与和及、由在赴到从对]))([{CJK}]{{2}})市")
