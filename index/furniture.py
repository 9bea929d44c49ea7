"""Page furniture: the lines around a news article that are not its text, and what some of them tell.

Shared by the web-page extractor and the plain-text cleaner, because a copy-pasted page keeps the
same furniture: editor and source lines, font/print/share widgets, copyright and ICP lines, related
and recommended lists, comment prompts, caption credits. Metadata lines ("发布时间：… 来源：…") and
datelines ("新华社北京5月14日电") are furniture too, but they carry the date, outlet and reporter.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from index.lazy import lazy_pattern
from index.patterns import compiled

# Credits and notices: a line that opens with one is furniture; one that follows the last sentence
# of a paragraph ("……开始了！编辑|张三", "……。(本文来自澎湃新闻)") is cut off it.
_CREDIT = compiled(
    r"(?:责任编辑|责编|编辑|审核|校对|值班编辑|实习编辑|编审|监制|美编|来源|来源于|稿件来源|文章来源)\s*[:：|｜/]"
    r"|原标题\s*[:：]|(?:图片|视频|资料|配图)(?:来源|来自)\s*[:：]|图片来源|图片来自|图源|视频截图|资料图\s*$"
    r"|(?:视频|网络)截图\s*[)）]?$"
    r"|版权所有|版权归|版权声明|copyright|©|ICP备|ICP证|公网安备|网备号|网安备|不良信息举报"
    r"|未经(?:授权|许可|允许|书面授权).{0,12}(?:转载|使用|复制)|不得转载|转载请(?:注明|联系)|禁止转载"
    r"|(?:免责声明|特别声明|郑重声明|声明)\s*[:：]|仅代表作者(?:个人)?观点|不代表本(?:网|站|平台|报)"
    r"|本文(?:来源|来自|转自|系|为)|网友评论仅供|供稿(?:\s|$)",
    re.I,
)
# Promotions and share prompts. The first kind never stands in prose: a line of up to 120 characters
# that holds one is furniture. The second kind can ("用户打开APP后……"): only a short line that is
# not a sentence goes.
_BUTTON = compiled(
    r"点击(?:查看|进入|投票|阅读|下载|关注|这里|播放)|扫描?.{0,4}二维码|扫一扫|长按(?:识别|二维码)|^已收藏|我的收藏"
)
_PROMO = compiled(
    r"^分享(?:到|至)|关注.{0,12}(?:公众号|微信|微博|头条号|客户端)|(?:下载|安装|打开).{0,12}(?:客户端|APP|App|app)",
    re.I,
)
# "（原标题：……）" or "原标题：《……》" opening a paragraph: the rest of the paragraph is text.
_ORIGINAL_TITLE = compiled(r"^[（(]?\s*(?:本文)?原标题\s*[:：]\s*(?:《[^》]*》\s*[）)]?|[^）)]*[）)])\s*")
_OPENERS = "（(【[「 "
# Lines up to this long are judged as a whole; longer ones are prose that may carry a tail.
SHORT_LINE = 60
# Short lines that are furniture when they are all (or nearly all) there is on the line.
_WEAK = compiled(
    r"^(?:[【\[]?(?:打印|关闭|打印本页|关闭窗口|收藏|收藏本文|分享|分享到|分享至|返回顶部|返回首页|返回列表|纠错|推荐给朋友)[】\]]?\s*)+$"
    r"|^字号\s*[:：]?|A-\s*A\s*A\+|^[【\[]?\s*字体\s*[:：]\s*[大中小]"
    r"|^(?:举报|评论|点赞|回复|分享|收藏|更多|展开|收起|不感兴趣|加载更多|查看更多|展开全文|阅读全文|阅读原文)"
    r"(?:\s|\d|[:：]|$)"
    r"|^(?:相关(?:新闻|阅读|推荐|文章|资讯|链接|报道|热门文章)|推荐阅读|延伸阅读|热点新闻|热门推荐|热门文章|猜你喜欢"
    r"|精彩推荐|为你推荐|今日推荐|热门评论|最新评论|网友评论|新闻评论|热帖|热词|图集)\s*$"
    r"|^(?:上一篇|下一篇|当前位置|您的位置|现在位置|位置)\s*[:：]|首页\s*(?:>|&gt;|›|»|/)"
    r"|^(?:地\s*址|电\s*话|传\s*真|邮政编码|邮\s*编|电子信箱|电子邮箱|邮\s*箱|联系电话|E-?mail)\s*[:：]"
    r"|感谢您的反馈|^\d+\s*$",
    re.I,
)
SENTENCE_END = "。！？!?；;…"
CLOSERS = "”’」』）)】\"'"

_DATE = compiled(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_META_KEY = compiled(
    r"(?:发布时间|发布日期|发表时间|发表日期|更新时间|时间|日期|来源|来源于|信息来源|作者|发布人|发布者|编辑|记者|浏览(?:次数)?|"
    r"阅读(?:量|数)?|点击(?:数|量)?)\s*[:：]"
)
_SOURCE_VALUE = compiled(r"(?:来源|来源于|信息来源|发布人|发布者)\s*[:：]\s*[-－—]*\s*([^\s:：|｜]{2,20})")
_AUTHOR_VALUE = compiled(r"(?:作者|记者)\s*[:：]\s*([^\s:：|｜]{2,12})")
# "2019年10月23日 09:05 环球网": a date line with only a time and a name beside it.
_DATE_LINE = compiled(
    r"^(?:(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?"
    r"\s*(?:来源\s*[:：])?\s*([\u4e00-\u9fffA-Za-z·]{2,16})?[^。！？!?；;，,]{0,20}$"
)
# A dateline opens a report: outlet, optional place and date, then 电/讯/消息, then an optional credit.
_OUTLET = r"(?:本报|本站|本刊|本台|本网|[\u4e00-\u9fffA-Za-z0-9]{1,10}?(?:社|网|报|台|站|刊|端|新闻|日报|晚报|时报))"
_DATELINE = compiled(
    # "据新华社报道，……" is a sentence citing a source, not a dateline.
    rf"^(?![据从在向对经由])(?P<outlet>{_OUTLET})(?P<place>[\u4e00-\u9fff]{{0,8}}?)"
    r"(?P<date>(?:(?:19|20)\d\d年)?\d{1,2}月\d{1,2}日)?(?:电|讯|快讯|消息|报道)"
    r"\s*(?:[（(](?P<credit>[^）)]{1,40})[）)])?\s*[:：]?\s*"
)
# A credit in brackets opening a paragraph: 【环球时报记者 张三】, （记者 李四 王五）.
_CREDIT_LEAD = compiled(
    r"^\s*[【（(\[](?P<credit>[^】）)\]]{0,30}(?:记者|通讯员|作者|专栏作者|文)[^】）)\]]{0,30})[】）)\]]\s*"
)
_ROLE_WORDS = {"整合", "整理", "报道", "摄", "摄影", "编译", "综合", "发自", "采写", "撰文", "实习生", "通讯员", "记者"}
_REPORTER = lazy_pattern(
    r"(?:记者|通讯员|作者|文\s*[/／])\s*[:：]?\s*([\u4e00-\u9fff·]{2,4}(?:[\s、，,]+[\u4e00-\u9fff·]{2,4})*)"
)


def ends_sentence(text: str) -> bool:
    stripped = text.rstrip(CLOSERS + " ")
    return bool(stripped) and stripped[-1] in SENTENCE_END


def strip_furniture(text: str) -> str | None:
    """The article text of a line: None if the line is furniture, else the line without a credit tail."""
    text = _ORIGINAL_TITLE.sub("", text.strip())
    if not text or is_meta_line(text):
        return None
    if len(text) <= 40 and _WEAK.search(text):
        return None
    short_promo = len(text) <= SHORT_LINE and not ends_sentence(text) and _PROMO.search(text)
    if short_promo or (len(text) <= 120 and _BUTTON.search(text)):
        return None
    for match in _CREDIT.finditer(text):
        head = text[:match.start()].rstrip(_OPENERS)
        if len(head) <= 2:
            return None
        if ends_sentence(head):
            return head
        if len(text) <= SHORT_LINE:
            return None
    for promo in (_PROMO.search(text), _BUTTON.search(text)):
        if promo is not None and ends_sentence(text[:promo.start()].rstrip(_OPENERS)):
            return text[:promo.start()].rstrip(_OPENERS)
    return text


def is_furniture(text: str) -> bool:
    """Whether a line is page furniture as a whole."""
    return strip_furniture(text) is None


def is_meta_line(text: str) -> bool:
    """A line of publication metadata: "发布时间：2011-04-03 发布人：新华网", "2019年10月23日 09:05 环球网"."""
    text = text.strip()
    if len(text) > 80 or ends_sentence(text):
        return False
    if _DATE_LINE.match(text):
        return True
    keys = _META_KEY.findall(text)
    if not keys:
        return False
    # A key at the very start, or two keys on one short line, is a metadata line, not a sentence.
    return _META_KEY.match(text) is not None or len(keys) >= 2


def parse_date(text: str) -> str | None:
    """The first valid year-month-day in ``text``, as YYYY-MM-DD."""
    for match in _DATE.finditer(text):
        try:
            return dt.date(*map(int, match.groups())).isoformat()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class Metadata:
    """What furniture says about the article; every field may be unknown."""

    date: str | None = None
    outlet: str | None = None
    author: str | None = None

    def merged(self, other: Metadata) -> Metadata:
        """Fields of ``self``, with the gaps filled from ``other``."""
        return Metadata(self.date or other.date, self.outlet or other.outlet, self.author or other.author)


def meta_of_line(text: str) -> Metadata:
    """Date, outlet and author named on a metadata line."""
    source = _SOURCE_VALUE.search(text)
    author = _AUTHOR_VALUE.search(text)
    outlet = source.group(1) if source else None
    dated = _DATE_LINE.match(text.strip())
    if outlet is None and dated and dated.group(1):
        outlet = dated.group(1)
    return Metadata(parse_date(text), outlet, author.group(1) if author else None)


@dataclass(frozen=True)
class Dateline:
    """A dateline or credit opening a paragraph: ``length`` characters of it, and what it names."""

    length: int
    meta: Metadata


def find_dateline(text: str, year: int | None = None) -> Dateline | None:
    """The dateline at the start of a paragraph ("新华社北京5月14日电（记者 X）"), if there is one.

    ``year`` completes a month-day date (a dateline rarely names the year).
    """
    match = _DATELINE.match(text)
    if match is not None and len(text) > match.end():
        outlet = match.group("outlet")
        outlet = None if outlet.startswith("本") else outlet
        date = None
        if match.group("date"):
            date = _month_day(match.group("date"), year)
        credit = match.group("credit") or ""
        rest = text[match.end():]
        credit_match = _CREDIT_LEAD.match(rest)
        end = match.end()
        if not credit and credit_match:
            credit = credit_match.group("credit")
            end += credit_match.end()
        return Dateline(end, Metadata(date, outlet, _reporter(credit)))
    credit_match = _CREDIT_LEAD.match(text)
    if credit_match is not None and len(text) > credit_match.end():
        return Dateline(credit_match.end(), Metadata(None, None, _reporter(credit_match.group("credit"))))
    return None


def _reporter(credit: str) -> str | None:
    match = _REPORTER().search(credit)
    if match is None:
        return None
    # "记者陈智 整合", "记者 王五 摄": the role words after the names are not names.
    names = [n for n in re.split(r"[\s、，,]+", match.group(1)) if n and n not in _ROLE_WORDS]
    return "、".join(names) or None


def _month_day(text: str, year: int | None) -> str | None:
    full = parse_date(text)
    if full:
        return full
    match = re.match(r"(\d{1,2})月(\d{1,2})日", text)
    if match is None or year is None:
        return None
    try:
        return dt.date(year, int(match.group(1)), int(match.group(2))).isoformat()
    except ValueError:
        return None
