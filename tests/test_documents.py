from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from index.articles import load_articles
from index.documents import document_lines
from index.errors import ArticleError

PARAGRAPHS = [
    "新华社北京5月14日电 国务院新闻办公室14日举行新闻发布会，介绍今年一季度国民经济运行情况。发言人表示，面对复杂严峻的外部环境，经济运行总体平稳、稳中有进。",
    "国家统计局新闻发言人说：“一季度国内生产总值同比增长百分之五点三，比上年四季度环比增长百分之一点六。”他指出，工业生产较快增长，服务业持续恢复。",
    "记者注意到，高技术制造业增加值同比增长百分之七点五，快于全部规模以上工业，新动能持续壮大。专家认为，下阶段要继续巩固和增强经济回升向好态势。",
]
TITLE = "一季度经济运行总体平稳"


def _docx(extra_caption: bool = True) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(TITLE, 1)
    document.add_paragraph("□文/本报记者 张三 李四")
    document.add_paragraph(PARAGRAPHS[0])
    if extra_caption:
        document.add_paragraph("◀发布会现场")
    document.add_heading("工业生产较快增长", 2)
    for text in PARAGRAPHS[1:]:
        document.add_paragraph(text)
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "表格中的补充说明，数据来自统计部门的公开发布。"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf(columns: bool = False, password: str | None = None, text: bool = True) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph
    from reportlab.platypus.flowables import Spacer

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=11, leading=16, wordWrap="CJK")
    heading = ParagraphStyle("h", fontName="STSong-Light", fontSize=18, leading=24)
    buffer = io.BytesIO()
    width, height = A4
    doc = BaseDocTemplate(buffer, pagesize=A4, encrypt=password)
    if columns:
        half = (width - 100) / 2
        frames = [Frame(40, 40, half, height - 80, id="a"), Frame(60 + half, 40, half, height - 80, id="b")]
    else:
        frames = [Frame(40, 40, width - 80, height - 80, id="a")]
    doc.addPageTemplates([PageTemplate(frames=frames)])
    story = [Paragraph(TITLE, heading)] + [Paragraph(p, style) for p in PARAGRAPHS] if text else [Spacer(10, 10)]
    doc.build(story)
    return buffer.getvalue()


def test_docx_headings_paragraphs_and_tables_in_order() -> None:
    lines = document_lines(_docx(), Path("a.docx"))
    assert lines[0].text == TITLE and lines[0].heading == 1
    assert [line.text for line in lines if line.heading == 2] == ["工业生产较快增长"]
    assert lines[-1].text.startswith("表格中的补充说明")


def test_docx_goes_through_newspaper_cleaning(tmp_path: Path) -> None:
    path = tmp_path / "press.docx"
    path.write_bytes(_docx())
    (article,) = load_articles(path, "press")
    assert article.title == TITLE
    texts = [p.text for p in article.paragraphs]
    assert texts[:3] == PARAGRAPHS
    assert "◀发布会现场" not in texts and not any("张三" in t for t in texts)
    assert article.paragraphs[1].section == "工业生产较快增长"
    assert article.outlet == "新华社" and article.paragraphs[0].lead == len("新华社北京5月14日电 ")


@pytest.mark.parametrize("columns", [False, True], ids=["one-column", "two-columns"])
def test_pdf_text_comes_back_whole_and_in_reading_order(tmp_path: Path, columns: bool) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(_pdf(columns=columns))
    (article,) = load_articles(path, "report")
    assert article.title == TITLE
    # Lines broken by the layout are joined again: every paragraph comes back verbatim, in order.
    assert [p.text for p in article.paragraphs] == PARAGRAPHS


def test_pdf_without_text_layer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(_pdf(text=False))
    with pytest.raises(ArticleError, match=r"scan\.pdf: the PDF has no text layer.*does not read text from images"):
        load_articles(path, "scan")


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    path.write_bytes(_pdf(password="secret"))
    with pytest.raises(ArticleError, match=r"locked\.pdf: the PDF is encrypted"):
        load_articles(path, "locked")


def test_damaged_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n this is not really a pdf \n%%EOF")
    with pytest.raises(ArticleError, match=r"broken\.pdf: (?:is not a readable PDF|the PDF has no text layer)"):
        load_articles(path, "broken")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 definitely not a zip archive", "is not a valid Word file"),
        (b"just some text pretending to be a docx", "is not a valid Word file"),
    ],
)
def test_corrupt_docx_is_refused_in_one_sentence(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.docx"
    path.write_bytes(data)
    with pytest.raises(ArticleError, match=rf"bad\.docx: {message}"):
        load_articles(path, "bad")


def test_zip_without_a_document_is_not_a_word_file(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    path = tmp_path / "other.docx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ArticleError, match=r"other\.docx: is not a Word document"):
        load_articles(path, "other")


def test_docx_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    buffer = io.BytesIO(_docx())
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/padding.bin", b"\0" * (4 * 1024 * 1024))
    path = tmp_path / "bomb.docx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ArticleError, match=r"bomb\.docx: part 'word/media/padding\.bin'.*zip bomb"):
        load_articles(path, "bomb")


def test_the_sample_newspaper_page_as_docx_cleans_like_the_text_file(tmp_path: Path) -> None:
    import docx

    from tests.conftest import SAMPLE

    document = docx.Document()
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    path = tmp_path / "sample.docx"
    document.save(str(path))
    from_docx = load_articles(path, "s")
    from_text = load_articles(SAMPLE, "s")
    assert len(from_docx) == len(from_text) == 2
    for a, b in zip(from_docx, from_text, strict=True):
        assert a.title == b.title
        assert [(p.text, p.section) for p in a.paragraphs] == [(p.text, p.section) for p in b.paragraphs]
