"""Word (.docx) and PDF files → lines of text for the cleaner.

Both come out as plain lines (``structured`` is False): a press office's Word file is often a pasted
newspaper page, and a PDF's lines are hard-wrapped, so the cleaner's repairs (broken paragraphs,
captions, bylines, several articles a page) apply to them as to a .txt file. Word headings keep
their level.

PDF text is read with pypdf, chosen by measurement on generated Chinese PDFs (benchmarks/README.md):
it follows the content stream, so two-column pages keep their reading order, where pdfplumber's
layout mode interleaves the columns line by line; and it is several times faster. There is no OCR:
a PDF without a text layer is refused with a sentence, as is one that needs a password.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from index.errors import ArticleError
from index.loading import Line

# A .docx is a zip: refuse archives that would inflate far beyond any article (zip bombs).
MAX_DOCX_UNCOMPRESSED = 64 * 1024 * 1024
MAX_DOCX_RATIO = 200
MAX_DOCX_MEMBERS = 2000
# Fewer characters than this per page means the pages are images (scans) with at most a stray label.
MIN_TEXT_PER_PAGE = 10
# A line at least this share of a full line's width reached the margin (it wrapped, it did not end).
_FULL_LINE = 0.85
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)


def document_lines(data: bytes, path: Path) -> list[Line]:
    """The text lines of a .docx or .pdf file, or an :class:`ArticleError` naming the file."""
    if path.suffix.lower() == ".docx":
        return docx_lines(data, path)
    return pdf_lines(data, path)


def _check_zip(data: bytes, path: Path) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ArticleError(f"{path}: is not a valid Word file (.docx is a zip archive; this one is damaged).") from exc
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if len(members) > MAX_DOCX_MEMBERS or total > MAX_DOCX_UNCOMPRESSED:
            raise ArticleError(
                f"{path}: the Word file unpacks to {total // (1024 * 1024)} MB in {len(members)} parts; "
                f"the limit is {MAX_DOCX_UNCOMPRESSED // (1024 * 1024)} MB in {MAX_DOCX_MEMBERS} parts."
            )
        for member in members:
            if member.compress_size and member.file_size / member.compress_size > MAX_DOCX_RATIO:
                raise ArticleError(
                    f"{path}: part '{member.filename}' of the Word file is compressed {MAX_DOCX_RATIO}+ times; "
                    "it is refused as a zip bomb."
                )
        if "word/document.xml" not in archive.namelist():
            raise ArticleError(f"{path}: is not a Word document (word/document.xml is missing).")


def docx_lines(data: bytes, path: Path) -> list[Line]:
    """Paragraphs (and table cells) of a .docx in document order; heading styles give heading levels."""
    _check_zip(data, path)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - python-docx raises KeyError/ValueError/lxml errors on bad parts
        raise ArticleError(f"{path}: the Word file is damaged and cannot be read ({type(exc).__name__}).") from exc
    lines: list[Line] = []
    for block in document.iter_inner_content():
        if isinstance(block, DocxParagraph):
            lines.append(Line(block.text, _heading_level(block)))
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    lines.extend(Line(p.text) for p in cell.paragraphs)
    if not any(line.text.strip() for line in lines):
        raise ArticleError(f"{path}: the Word file holds no text.")
    return lines


def _heading_level(paragraph: object) -> int | None:
    style = getattr(paragraph, "style", None)
    name = str(getattr(style, "name", "") or "")
    if name.lower() == "title":
        return 1
    match = _HEADING_STYLE.match(name)
    return int(match.group(1)) if match else None


def pdf_lines(data: bytes, path: Path) -> list[Line]:
    """The text lines of a PDF with a text layer, page by page."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ArticleError(f"{path}: the PDF is encrypted with a password; send an unprotected copy.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (FileNotDecryptedError, DependencyError) as exc:
        raise ArticleError(f"{path}: the PDF is encrypted and cannot be opened; send an unprotected copy.") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ArticleError(f"{path}: is not a readable PDF file ({type(exc).__name__}).") from exc
    text_chars = sum(len(re.sub(r"\s", "", page)) for page in pages)
    if not pages or text_chars < MIN_TEXT_PER_PAGE * len(pages):
        raise ArticleError(
            f"{path}: the PDF has no text layer (scanned pages or images); QuoteBot does not read text "
            "from images, so send a PDF with text, a Word file or the text itself."
        )
    lines: list[Line] = []
    for page in pages:
        lines.extend(Line(paragraph) for paragraph in reflow(page.splitlines()))
        lines.append(Line(""))
    return lines


def _width(text: str) -> int:
    """Display width: a CJK character is as wide as two Latin ones."""
    return sum(1 if ch.isascii() else 2 for ch in text)


def reflow(raw_lines: list[str]) -> list[str]:
    """A page's wrapped lines → paragraphs, by where lines end: a paragraph's last line stops short.

    A wrapped line that happens to end on "。" still reaches the right margin, so sentence ends alone
    cannot say where a paragraph ends (they split paragraphs wherever the wrap falls after one).
    """
    lines = [(raw.strip(), raw[:1].isspace()) for raw in raw_lines if raw.strip()]
    if not lines:
        return []
    widths = sorted(_width(text) for text, _ in lines)
    full = widths[int(len(widths) * 0.8)] if len(widths) >= 3 else widths[-1]
    paragraphs: list[str] = []
    previous = 0
    for text, indented in lines:
        # The line above reached (nearly) the margin: the paragraph goes on in this one.
        if paragraphs and not indented and previous >= full * _FULL_LINE:
            paragraphs[-1] = _join(paragraphs[-1], text)
        else:
            paragraphs.append(text)
        previous = _width(text)
    return paragraphs


def _join(left: str, right: str) -> str:
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return left + " " + right
    return left + right
