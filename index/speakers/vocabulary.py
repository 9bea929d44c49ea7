"""The words that find speakers: surnames, titles, places, speech verbs, and how questions ask about them.

One vocabulary for the extraction at index time and for the questions: a title the articles use is a
title a question may ask for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from index.lazy import lazy_pattern
from index.patterns import compiled

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
    "坦承 承认 相信 坚信 提醒 寄语 分析 预计 宣布 表态 要求 主张 进行 接受 发表 宣读 签署 获得 担任 当选 "
    "出示 提交 前往 来到 回到 因为 由于".split()
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
    "发言人 检察长 负责人 主任医师 党组书记 站长 支书 主任委员 "
    # Beyond government: the Church, courts, parliaments, companies, science, sport, and kin, which
    # news puts before a name the same way ("牧师管浩鸣", "女儿马莉", "首席执行官库克").
    "牧师 神父 法官 检察官 律师 议员 议长 总统 副总统 首相 大使 外长 司长 首席执行官 首席技术官 "
    "首席财务官 首席运营官 首席经济学家 首席科学家 创始人 联合创始人 合伙人 分析师 专家 学者 教练 "
    "选手 运动员 航天员 宇航员 演员 歌手 作家 导演 主持人 厂长 董秘 警官 工程师 理事 监事 干事 "
    "CEO CTO CFO COO 女儿 儿子 妻子 丈夫 父亲 母亲 夫人 作曲家 音乐家 艺术家 科学家 画家 诗人 歌唱家 演奏家 "
    "企业家 被告人 原告 犯罪嫌疑人 嫌疑人".split(),
)
# The end of a speaker who is not a named person: an organisation ("苹果公司表示", "警方通报称") or an
# unnamed person ("法国总工会负责人表示", "小男孩对民警说"). Organisation heads of one character
# (局, 委…) count only after at least two characters.
ORGANISATION_HEADS = tuple(
    "公司 集团 方面 部门 政府 当局 警方 官方 法院 检察院 医院 银行 大学 学院 研究所 研究院 中心 协会 "
    "学会 工会 总工会 联合会 委员会 基金会 交易所 办公室 组织 机构 媒体 电视台 通讯社 商会 俱乐部 "
    "部 局 厅 署 委 办 院 社 台 网 党".split()
)
PERSON_NOUNS = tuple(
    "负责人 发言人 人士 人员 专家 官员 男孩 女孩 男子 女子 孩子 家长 民警 警察 记者 网友 市民 村民 "
    "居民 学生 老师 员工 工人 职工 消费者 律师 医生 患者 司机 店主 老板 业主 游客 乘客 球迷 "
    "工作人员 知情人 当事人 目击者 经理 主管 高管 董事 股东 分析师 代表".split()
)


def alternation(words: Iterable[str]) -> str:
    """Longest words first, so the longest matches; words of one length cannot match at the same place,
    so ordering them too changes no match, only makes the pattern the same text in every process (a set's
    order is not), which lets its compiled program be kept (:mod:`index.patterns`)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


TITLE_RE = compiled(alternation(TITLES))
TITLE_AT_END_RE = compiled(f"(?:{alternation(TITLES)})$")
POSTFIX_TITLE_ALT = alternation(POSTFIX_TITLES)

# Words after which a role starts: "由潍坊市委书记…", "会上市委书记…". Searched right to left in
# the text before a title, so the role is what follows the last of them.
BREAKERS = tuple(
    "由 在 和 与 及 同 对 向 据 被 将 为 是 了 的 让 请 把 从 给 经 并 但 而 "
    "等 以及 邀请 会见 陪同 看望 慰问 听取 出席 主持 率领 带领 会上 会后 会前 "
    "当天 今天 昨天 近日 日前 随后 同时 其中 此外 另外 目前 此前 上午 下午 晚上 "
    "期间 采访 专访 看到".split()
)
BREAKER_RE = compiled(f".*(?:{alternation(BREAKERS)})", re.S)
MAX_ROLE_CHARS = 16

# "威海" + "市委书记", "潍坊" + "代市长", "山东" + "省委书记": a place is the 2–4 characters in
# front of an administrative level character.
PLACE_SPLIT_RE = compiled(f"^([{CJK}]{{2,4}}?)((?:常务副|副|代)?[省市县区州].+)$")
LEVEL_ROLE_RE = compiled("^(?:常务副|副|代)?[市县区州]")
PROVINCES = frozenset(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 "
    "山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 "
    "广西 西藏 宁夏 新疆 香港 澳门".split()
)

SPEECH_VERB = (
    r"(?:说道|说(?!明书)|表示|指出|强调|认为|介绍(?:说)?|希望|称(?!为|号|作|赞)|透露|谈到|谈及|提到|提出"
    r"|坦言|直言|告诉|解释|补充|呼吁|建议|感慨|称赞|说明|讲(?!话|解|述|课|座|究|师)|回忆|回答|回应|笑称"
    r"|坦承|承认|相信|坚信|提醒|寄语|分析|预计|宣布|表态|通报(?:称|说)?|写道|声明|宣称|声称|重申|证实"
    r"|否认|反驳|批评|警告|承诺|感叹|答复|回复|发文(?:称|表示|说)?|贴文(?:称|表示|说)?)"
)
# When, where and to whom, between a speaker and the verb: "周二", "8日", "三月份", "（Merrick Garland）",
# "对记者", "在接受记者采访时", "在给员工的信中".
_TIME = (
    r"(?:[0-9０-９一二三四五六七八九十]{1,4}[年月日号](?:[0-9０-９一二三四五六七八九十]{1,2}[日号])?"
    r"|[0-9一二三四五六七八九十]{1,2}月份|周[一二三四五六日末]|星期[一二三四五六日天]|[上下本]周|[今昨前]天|[今昨]日"
    r"|日前|近日|此前|之前|随后|当天|当日|上午|下午|晚上|早上|凌晨|昨晚|今晨|目前|最近|事后|赛后|会上|会后)"
)
ADVERBIAL = (
    r"(?:(?:也|还|则|又|更|亦|均|都|曾|曾经|已|就此|对此|为此|同时|进一步|特别|再次|最后|首先|随后|接着|当即"
    r"|当庭|随即|公开|明确|坦率地|深有感触地|动情地|兴奋地|激动地|笑着|同样"
    f"|{_TIME}"
    r"|（[^）\n]{1,40}）|\([^)\n]{1,40}\)"
    r"|(?:对|向|跟|给|同)[\u4e00-\u9fffA-Za-z0-9]{1,14}?(?=[\u4e00-\u9fff]{0,2}(?:说|表示|介绍|透露|解释|坦言|称|回应|强调|指出))"
    r"|(?:在)?(?:接受)[^，。！？,!?“”\n]{1,20}?(?:采访|专访|提问)(?:时|中)?"
    r"|(?:出席|参加|参观|考察|视察|会见)[^，。！？,!?“”\n]{1,16}?(?:时|并|后)?"
    r"|在[^，。！？,!?“”\n]{1,24}?(?:上|中|时|后|期间|里)?"
    r"|(?:在)?(?:给|致)[^，。！？,!?“”\n]{1,16}?的[^，。！？,!?“”\n]{0,4}?(?:信|函|邮件)(?:中|里)?"
    r")[，,]?){0,4}"
)
CLAUSE_START = r"(?:^|(?<=[，,。！？!?：:；;“”\"\s]))"
UNTITLED_CUE_RE = compiled(
    f"{CLAUSE_START}(?:据)?(?:结果|但是|但|而|随后|对此|接着|后来|最后)?(?P<name>[{CJK}]{{2,4}}?)(?:{POSTFIX_TITLE_ALT})?(?:同志)?"
    f"{ADVERBIAL}{SPEECH_VERB}"
)
# A speaker that is no named person: an organisation or a description, at the start of a clause.
_ENTITY_HEAD_ALT = alternation((*ORGANISATION_HEADS, *PERSON_NOUNS, *TITLES))
ENTITY_CUE_RE = compiled(
    f"{CLAUSE_START}(?:据)?(?P<name>[{CJK}A-Za-z0-9·]{{0,14}}?(?:{_ENTITY_HEAD_ALT}))"
    f"{ADVERBIAL}{SPEECH_VERB}"
)
# Words that open a clause before its subject ("但法国总工会负责人表示"), and characters that make a
# would-be subject a clause of its own ("记者从长春市政府了解到").
CLAUSE_OPENERS = compiled(
    "^(?:但是|但|而且|而|并且|并|同时|此外|另外|其中|对此|不过|然而|因此|所以|随后|当天|目前|据悉|此前)"
)
NOT_IN_SUBJECT = frozenset("了是在把被将从于对向为让给由")
# A line that only names who speaks next ("中国载人航天工程新闻发言人 武平"), and the first person that
# shows the following text is theirs; "问：" / "答：" lines of an interview.
FIRST_PERSON_RE = compiled("我们|我(?!国)")
# An interview line: "王强：我们要把产量翻一番。"
INTERVIEW_LINE_RE = compiled(f"^\\s*(?P<name>[{CJK}·]{{2,8}}?)\\s*[：:]")
QUESTION_LINE_RE = compiled(r"^\s*(?:问|记者|主持人)\s*[：:]")
ANSWER_LINE_RE = compiled(r"^\s*答\s*[：:]")
# A clause that goes on with its subject left out: "…，并当庭表示…".
CONTINUED_CUE_RE = compiled(f"(?<=[，,])\\s*(?:并|还|也|随后|同时|又|则|并且){ADVERBIAL}{SPEECH_VERB}")
PRONOUN_CUE_RE = compiled(f"{CLAUSE_START}(?:据)?(?P<pronoun>他|她)(?!们){ADVERBIAL}{SPEECH_VERB}")
SURNAME_CUE_RE = compiled(
    f"{CLAUSE_START}(?:据)?(?:(?P<prefix>老|小)(?P<bare>[{CJK}])|(?P<surname>[{CJK}])"
    f"(?P<title>{POSTFIX_TITLE_ALT}))(?:同志)?{ADVERBIAL}{SPEECH_VERB}"
)
POSTFIX_MENTION_RE = compiled(
    f"(?<![{CJK}])(?P<name>[{CJK}]{{2,4}}?)(?P<title>代表|委员)(?=$|[^{CJK}]|{ADVERBIAL}{SPEECH_VERB})"
)
# A delegation visiting the paper's city: "来青考察" (青 = 青岛) or "来青岛考察".
HOST_CUE_RE = compiled(f"来(?P<host>[{CJK}]{{1,3}}?)(?:考察|调研|访问|参观|视察|交流|洽谈|学习)")
SECTION_PLACE_RE = lazy_pattern(f"^\\s*([{CJK}]{{2,4}})\\s*[:：]")  # compiled on first use (index.lazy)
ENUMERATION_GAP_RE = compiled(r"^[\s,，、和与及]*$")
# The chunker's sentence rule, so a statement starts and ends where chunks do: 。！？!?；; or an
# ellipsis, with the closing quotes after it, except quoted speech going on with a comma (“不……”，他说).
CLAUSE_PUNCT = "，,；;：:"
INTRODUCES_QUOTE_RE = compiled(r"[\s:：,，]*")
QUOTE_CLOSE = "”」』\""
QUOTE_OPEN = "“「『\""
MIN_STATEMENT_CJK = 4
QUOTATION_RE = compiled("[“「『\"][^”」』\"]*[”」』\"]")
# "威海市召开…", "青岛市与潍坊市…": a two-character city at a clause start or after a conjunction.
CITY_MENTION_RE = compiled(f"(?:^|(?<=[^{CJK}])|(?<=[与和及、由在赴到从对]))([{CJK}]{{2}})市")
