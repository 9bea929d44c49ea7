"""PDF text readers on Chinese text: pypdf vs pdfplumber (reading order, paragraphs whole, speed).

Usage (from the project root; needs reportlab from the test extras, and pdfplumber installed by hand
for the comparison — QuoteBot itself uses pypdf):

    python benchmarks/pdf_readers.py

Makes PDFs with reportlab's built-in CJK font (one column, two columns), reads them with each
reader and reports, per layout: paragraphs found (whitespace ignored), spaces the reader inserted
between two Chinese characters inside a line (words split apart; the source's own spaces are not
counted), whether the paragraphs come in reading order, and the time per document.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

PARAGRAPHS = [
    "新华社北京5月14日电 国务院新闻办公室14日举行新闻发布会，介绍今年一季度国民经济运行情况。"
    "发言人表示，面对复杂严峻的外部环境，经济运行总体平稳、稳中有进。",
    "国家统计局新闻发言人说：“一季度国内生产总值同比增长百分之五点三，比上年四季度环比增长百分之一点六。”他指出，工业生产较快增长，服务业持续恢复。",
    "记者注意到，高技术制造业增加值同比增长百分之七点五，快于全部规模以上工业，新动能持续壮大。专家认为，下阶段要继续巩固和增强经济回升向好态势。",
    "会议强调，要坚持稳中求进工作总基调，完整、准确、全面贯彻新发展理念，加快构建新发展格局，着力推动高质量发展，更好统筹发展和安全。",
] * 3
_WS = re.compile(r"\s+")


def make_pdf(columns: int) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle(
        "zh", fontName="STSong-Light", fontSize=11, leading=16, wordWrap="CJK", firstLineIndent=22
    )
    buffer = io.BytesIO()
    width, height = A4
    doc = BaseDocTemplate(buffer, pagesize=A4)
    column = (width - 80 - 20 * (columns - 1)) / columns
    frames = [Frame(40 + i * (column + 20), 40, column, height - 80, id=f"c{i}") for i in range(columns)]
    doc.addPageTemplates([PageTemplate(frames=frames)])
    doc.build([Paragraph(p, style) for p in PARAGRAPHS])
    return buffer.getvalue()


def read_pypdf(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def read_pdfplumber(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


_GAP = re.compile(r"[\u4e00-\u9fff，。：“”] +[\u4e00-\u9fff，。：“”]")


def measure(text: str) -> tuple[int, int, bool]:
    flat = _WS.sub("", text)
    unique = list(dict.fromkeys(PARAGRAPHS))
    found = sum(_WS.sub("", p) in flat for p in unique)
    own = sum(len(_GAP.findall(p)) for p in PARAGRAPHS)
    inserted = sum(len(_GAP.findall(line.strip())) for line in text.splitlines()) - own
    positions = [flat.find(_WS.sub("", p)) for p in unique]
    ordered = -1 not in positions and positions == sorted(positions)
    return found, inserted, ordered


def main() -> None:
    readers: dict[str, Callable[[bytes], str]] = {"pypdf": read_pypdf, "pdfplumber": read_pdfplumber}
    print("| reader | layout | paragraphs found | spaces inserted inside words | reading order | s/document |")
    print("|---|---|---|---|---|---|")
    for columns in (1, 2):
        data = make_pdf(columns)
        for name, read in readers.items():
            try:
                started = time.perf_counter()
                for _ in range(5):
                    text = read(data)
                seconds = (time.perf_counter() - started) / 5
            except ImportError:
                print(f"| {name} | not installed | | | | |")
                continue
            found, inserted, ordered = measure(text)
            total = len(set(PARAGRAPHS))
            layout = "one column" if columns == 1 else "two columns"
            order = "yes" if ordered else "no"
            print(f"| {name} | {layout} | {found}/{total} | {inserted} | {order} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
