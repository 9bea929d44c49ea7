from __future__ import annotations

from pathlib import Path

import pytest

from index.errors import ArticleError
from index.loading import decode, html_lines, markdown_lines, read_document

TEXT = "青岛是全省经济发展的“火车头”。\n\n烟台积极参与胶东经济圈建设。\n"


@pytest.mark.parametrize(
    "data",
    [TEXT.encode("utf-8"), b"\xef\xbb\xbf" + TEXT.encode("utf-8"), TEXT.encode("gb18030"), TEXT.encode("gbk")],
    ids=["utf-8", "utf-8-bom", "gb18030", "gbk"],
)
def test_decodes_utf8_bom_and_gb18030(data: bytes) -> None:
    assert decode(data, Path("a.txt")) == TEXT


def test_undecodable_file_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "binary.txt"
    path.write_bytes(b"\x00\x01\x02\xff\xfe\x80" * 20)
    with pytest.raises(ArticleError, match="binary.txt.*cannot be decoded"):
        read_document(path)


@pytest.mark.parametrize("content", [b"", b"  \n\n \r\n", b"\xef\xbb\xbf\n"])
def test_empty_file_names_itself(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match="empty.txt: the file is empty"):
        read_document(path)


def test_unsupported_type_lists_the_valid_ones(tmp_path: Path) -> None:
    path = tmp_path / "a.rtf"
    path.write_bytes(b"{\\rtf1 text}")
    with pytest.raises(ArticleError, match=r"unsupported file type '\.rtf'.*\.txt.*\.docx.*\.pdf"):
        read_document(path)


def test_html_keeps_main_text_only() -> None:
    page = """<html><head><title>站点 - 新闻</title><script>var x = "脚本";</script>
    <style>p { color: red }</style></head><body>
    <nav><a href="/">首页</a> <a href="/news">新闻</a></nav>
    <header>网站标题</header>
    <article><h1>青岛举行座谈会</h1><p>5月14日，座谈会在<b>青岛</b>召开。</p>
    <h2>威海：积极接轨</h2><p>张海波说，威海与青岛合作基础扎实。</p></article>
    <aside>相关新闻：别的文章</aside><footer>版权所有</footer></body></html>"""
    lines = html_lines(page)
    texts = [line.text for line in lines]
    assert texts == ["青岛举行座谈会", "5月14日，座谈会在青岛召开。", "威海：积极接轨", "张海波说，威海与青岛合作基础扎实。"]
    assert [line.heading for line in lines] == [1, None, 2, None]
    joined = "".join(texts)
    for junk in ("脚本", "首页", "网站标题", "相关新闻", "版权所有", "color"):
        assert junk not in joined


def test_html_without_h1_uses_page_title() -> None:
    lines = html_lines("<html><head><title>新闻标题</title></head><body><p>正文内容在这里。</p></body></html>")
    assert lines[0].text == "新闻标题" and lines[0].heading == 1
    assert lines[1].text == "正文内容在这里。"


def test_markdown_headings_paragraphs_and_inline_markup() -> None:
    md = (
        "---\nauthor: x\n---\n# 标题\n\n第一段**加粗**的文字，\n接着第一段。\n\n## 小节\n\n"
        "- 列表项[链接](http://example.invalid)。\n\n```\ncode()\n```\n> 引用的话。\n"
    )
    lines = markdown_lines(md)
    assert [(line.text, line.heading) for line in lines] == [
        ("标题", 1),
        ("第一段加粗的文字，接着第一段。", None),
        ("小节", 2),
        ("列表项链接。", None),
        ("引用的话。", None),
    ]


def test_markdown_joins_wrapped_english_with_a_space() -> None:
    assert markdown_lines("Hello\nworld.")[0].text == "Hello world."


def test_markdown_emphasis_pairs_nest_and_unpaired_markers_stay() -> None:
    lines = markdown_lines("**_嵌套_**的强调，`代码`和~~删除~~都去掉；a * b 和 **未闭合 的标记原样保留。")
    assert lines[0].text == "嵌套的强调，代码和删除都去掉；a * b 和 **未闭合 的标记原样保留。"
    # A long line of unclosed markers is read in one pass (a backtracking pattern took minutes).
    assert markdown_lines("**甲 " * 20000)[0].text.count("**") == 20000
