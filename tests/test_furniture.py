from __future__ import annotations

import pytest

from index.furniture import find_dateline, is_furniture, is_meta_line, meta_of_line, parse_date, strip_furniture


@pytest.mark.parametrize(
    "line",
    [
        "责任编辑：张三", "（责任编辑：李四）", "责编|陈梦莹", "字号：A- A A+", "举报", "【打印】【关闭】", "【打印本页】【关闭窗口】",
        "分享到：", "分享至好友和朋友圈", "（原标题：某某事件最新进展）", "图片来源：视觉中国", "（视频截图）",
        "版权所有 示例日报社", "鲁ICP备12345678号-1", "扫描二维码关注我们", "相关新闻", "推荐阅读",
        "本文为示例网原创文章，未经授权不得转载", "免责声明：本文仅代表作者个人观点", "当前位置：首页 > 新闻",
        "地址：某市某区某路1号", "下载示例新闻客户端", "网友评论仅供其表达个人看法，并不表明本站立场。",
    ],
)
def test_page_furniture_is_recognised(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "会议指出，要加快推进基础设施互联互通，推动港口、机场和轨道交通统筹规划建设。",
        "威海与青岛合作基础扎实。",
        "他表示，网友可以在评论区举报不实信息，平台会在二十四小时内处理，并向举报人反馈结果。",
        "产业协同成为重点",
        "用户打开该公司的APP后，需要先完成实名认证，才能使用全部功能，这一要求引发了不少讨论，也让一些老年用户感到不便。",
    ],
)
def test_article_text_is_not_furniture(line: str) -> None:
    assert strip_furniture(line) == line


def test_credit_tails_come_off_the_last_sentence() -> None:
    assert strip_furniture("这么高大上的邮轮母港，开始搓搓手了！编辑|张三") == "这么高大上的邮轮母港，开始搓搓手了！"
    long = "研究者认为，嗅觉和味觉丧失是常见症状，既然这些症状在年轻人中更常见，加入新的症状对疾控至关重要。"
    assert strip_furniture(long + "(本文来自示例新闻，更多原创资讯请下载“示例新闻”APP)") == long
    assert strip_furniture("（原标题：《旧标题》）正文从这里开始，说明了一些事情。") == "正文从这里开始，说明了一些事情。"


def test_metadata_lines_and_what_they_say() -> None:
    assert is_meta_line("发布时间：2011-04-03 发布人：-新华网")
    assert meta_of_line("发布时间：2011-04-03 发布人：-新华网").outlet == "新华网"
    assert meta_of_line("发布时间：2011-04-03 发布人：-新华网").date == "2011-04-03"
    assert is_meta_line("2019年10月23日 09:05 环球网")
    assert meta_of_line("2019年10月23日 09:05 环球网").outlet == "环球网"
    assert is_meta_line("2024-05-14 11:10 示例星空[整理]")
    assert not is_meta_line("2019年10月23日，国务院新闻办公室举行新闻发布会。")
    assert meta_of_line("来源：示例日报 作者：王五").author == "王五"


@pytest.mark.parametrize(
    ("text", "length", "date", "outlet", "author"),
    [
        ("新华社北京5月14日电（记者 王小明 李四）会议指出……", 22, "2024-05-14", "新华社", "王小明、李四"),
        ("新华社北京5月14日电 国务院新闻办公室14日举行发布会。", 12, "2024-05-14", "新华社", None),
        ("长江网10月4日讯（记者陈智 整合）记者从市交通部门获悉……", 18, "2024-10-04", "长江网", "陈智"),
        ("新京报快讯（记者 裴小飞）今日有网友爆料……", 13, None, "新京报", "裴小飞"),
        ("本报讯（通讯员 李琴 刘会）为深入推进……", 14, None, None, "李琴、刘会"),
        ("【示例时报记者 张三】据外媒报道……", 11, None, None, "张三"),
    ],
)
def test_datelines(text: str, length: int, date: str | None, outlet: str | None, author: str | None) -> None:
    dateline = find_dateline(text, 2024)
    assert dateline is not None
    assert (dateline.length, dateline.meta.date, dateline.meta.outlet, dateline.meta.author) == (length, date, outlet, author)


@pytest.mark.parametrize("text", ["据新华社报道，会议于昨日召开。", "他说：新华社北京电稿已经发出。", "会议指出，要加快推进。"])
def test_sentences_are_not_datelines(text: str) -> None:
    assert find_dateline(text, 2024) is None


def test_parse_date_takes_the_first_valid_date() -> None:
    assert parse_date("2019年9月7日 13:43") == "2019-09-07"
    assert parse_date("2019/02/30 and 2019-03-01") == "2019-03-01"
    assert parse_date("no date") is None
