"""Links through the command line: `quotebot index add https://…`, `index show`, `index list`, and bad links.

Pages and documents are the tests' own, served by a local HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.runtime
from bot.cli import cli
from tests.conftest import SAMPLE, FakeEmbedder
from tests.local_server import Route, closed_port, serve
from tests.pages import LAST, PARAGRAPHS, SUBHEADING, TITLE, portal_page
from tests.test_documents import PARAGRAPHS as DOC_PARAGRAPHS
from tests.test_documents import TITLE as DOC_TITLE
from tests.test_documents import _docx, _pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The tests' config sets ingest.max_file_mb: 1, so a link is cut off at this size.
MAX_BYTES = 1024 * 1024


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    path = tmp_path / "config.yaml"
    path.write_text("search:\n  top_k: 3\ningest:\n  max_file_mb: 1\n", encoding="utf-8")
    embedder = FakeEmbedder()
    monkeypatch.setattr(bot.runtime, "embedder_for", lambda settings: embedder)
    for name in ("QUOTEBOT_CONFIG", "QUOTEBOT_INDEX", "QUOTEBOT_ARTICLES", "QUOTEBOT_CACHE"):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture
def site() -> Iterator[tuple[str, dict[str, Route]]]:
    routes: dict[str, Route] = {
        "/news/a1.html": Route(body=portal_page().encode("utf-8")),
        "/moved": Route(302, headers={"Location": "/news/a1.html"}),
        "/press/release.docx": Route(body=_docx(), content_type=DOCX),
        "/press/report.pdf": Route(body=_pdf(), content_type="application/pdf"),
        "/logo.png": Route(body=b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png"),
        "/huge.html": Route(body=b"<p>" + b"x" * (MAX_BYTES + 10) + b"</p>"),
        "/huge-unannounced.html": Route(body=b"<p>" + b"x" * (MAX_BYTES + 10) + b"</p>", length=False),
        "/secret.pdf": Route(body=_pdf(password="s3cret"), content_type="application/pdf"),
        "/scan.pdf": Route(body=_pdf(text=False), content_type="application/pdf"),
        "/broken.docx": Route(body=b"PK\x03\x04 this is not really a zip archive", content_type=DOCX),
    }
    with serve(lambda: routes) as base:
        yield base, routes


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


def index_state(config: Path) -> dict[str, bytes]:
    """Every file of the index folder and its bytes: "nothing else changes" means this stays equal."""
    folder = config.parent / "data" / "index"
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def listed(config: Path) -> list[dict[str, object]]:
    code, out, _ = run(config, "index", "list", "--json")
    assert code == 0
    return list(json.loads(out))


def test_a_link_and_a_file_are_added_together_and_shown_with_their_metadata(
    config: Path, site: tuple[str, dict[str, Route]], tmp_path: Path
) -> None:
    base, _ = site
    note = tmp_path / "note.txt"
    note.write_text("港口新闻\n\n青岛港今年集装箱吞吐量再创新高，同比增长百分之八。\n", encoding="utf-8")
    code, out, err = run(config, "index", "add", f"{base}/moved", str(note))
    assert code == 0, err
    assert f"《{TITLE}》" in out and "added    note  《港口新闻》" in out

    articles = listed(config)
    (page,) = [a for a in articles if a["url"] == f"{base}/news/a1.html"]  # the link after its redirect
    assert page["date"] == "2024-05-14" and page["outlet"] == "示例日报" and page["source"] == page["url"]
    files = [a for a in articles if a["url"] is None]
    assert sorted(a["article_id"] for a in files) == ["jiaodong-economic-circle", "jiaodong-economic-circle-2",
                                                      "note"]
    assert all(set(a) == set(page) and a["date"] is None for a in files)

    code, out, _ = run(config, "index", "show", str(page["article_id"]), "--json")
    shown = json.loads(out)
    assert code == 0 and list(shown) == ["article_id", "title", "date", "outlet", "author", "url", "file",
                                         "paragraphs"]
    assert shown["title"] == TITLE and shown["file"] is None and shown["url"] == f"{base}/news/a1.html"
    assert shown["date"] == "2024-05-14" and shown["outlet"] == "示例日报"
    assert shown["author"] == "王小明"
    texts = [p["text"] for p in shown["paragraphs"]]
    assert texts == [*PARAGRAPHS, LAST]
    assert shown["paragraphs"][2] == {"text": PARAGRAPHS[2], "section": SUBHEADING}
    assert all(set(p) == {"text", "section"} for p in shown["paragraphs"])

    code, out, _ = run(config, "index", "show", "note", "--json")
    assert json.loads(out)["file"] == str(note.resolve()) and json.loads(out)["url"] is None

    code, out, _ = run(config, "index", "show", str(page["article_id"]))
    assert code == 0 and out.startswith(f"《{TITLE}》\n") and "date: 2024-05-14" in out
    assert f"url: {base}/news/a1.html" in out and f"## {SUBHEADING}" in out and LAST in out

    code, out, _ = run(config, "index", "list")
    assert f"{page['article_id']}\t《{TITLE}》\t2024-05-14\t" in out


def test_adding_the_same_link_again_updates_it_instead_of_adding_it_twice(
    config: Path, site: tuple[str, dict[str, Route]]
) -> None:
    base, routes = site
    url = f"{base}/news/a1.html"
    assert run(config, "index", "add", url)[0] == 0
    before = listed(config)
    code, out, _ = run(config, "index", "add", url)
    assert code == 0 and "unchanged" in out and "0 chunks embedded" in out
    assert listed(config) == before

    routes["/news/a1.html"] = Route(body=portal_page().replace(LAST, "会议要求，各市年底前完成全部合作事项。").encode())
    code, out, _ = run(config, "index", "add", url)
    assert code == 0 and "added" in out
    after = listed(config)
    assert len(after) == len(before) and [a["article_id"] for a in after] == [a["article_id"] for a in before]
    (article_id,) = [a["article_id"] for a in after if a["url"] == url]
    code, out, _ = run(config, "index", "show", str(article_id), "--json")
    assert "会议要求，各市年底前完成全部合作事项。" in out and LAST not in out


def test_word_and_pdf_links_are_indexed_and_answer(config: Path, site: tuple[str, dict[str, Route]]) -> None:
    base, _ = site
    code, out, err = run(config, "index", "add", f"{base}/press/release.docx", f"{base}/press/report.pdf")
    assert code == 0, err
    documents = [a for a in listed(config) if a["url"]]
    assert sorted(str(a["url"]) for a in documents) == [f"{base}/press/release.docx", f"{base}/press/report.pdf"]
    assert all(a["title"] == DOC_TITLE and a["outlet"] == "新华社" for a in documents)
    code, out, _ = run(config, "ask", "高技术制造业增加值同比增长多少", "--json")
    answers = json.loads(out)["answers"]
    assert code == 0 and "百分之七点五" in answers[0]["quote"]
    assert answers[0]["url"] in {a["url"] for a in documents}
    # The same passage in the Word file and the PDF: one quote, the other listed as another source.
    assert [a["quote"] for a in answers].count(answers[0]["quote"]) == 1
    assert [s["url"] for s in answers[0]["also_in"]] == [u for u in (a["url"] for a in documents)
                                                          if u != answers[0]["url"]]
    assert DOC_PARAGRAPHS[2].startswith(answers[0]["quote"][:10]) or answers[0]["quote"] in DOC_PARAGRAPHS[2]


@pytest.mark.parametrize(
    ("path", "sentence"),
    [
        ("/missing.html", "the site answered 404 Not Found; check the link."),
        ("/logo.png", "serves 'image/png', which QuoteBot cannot read; links must lead to a web page, a Word or "
                      "PDF file."),
        ("/huge.html", "is 1.0 MB; the limit is 1.0 MB."),
        ("/huge-unannounced.html", "is larger than the limit of 1.0 MB."),
        ("/secret.pdf", "the PDF is encrypted"),
        ("/scan.pdf", "the PDF has no text layer (scanned pages or images); QuoteBot does not read text from images"),
        ("/broken.docx", "is not a valid Word file (.docx is a zip archive; this one is damaged)."),
    ],
)
def test_a_bad_link_gets_one_sentence_and_nothing_else_changes(
    config: Path, site: tuple[str, dict[str, Route]], path: str, sentence: str
) -> None:
    base, _ = site
    assert run(config, "index", "build")[0] == 0
    before = index_state(config)
    code, out, err = run(config, "index", "add", f"{base}{path}")
    assert code == 1 and out == ""
    assert err.startswith(f"Error: {base}{path}: {sentence}") and err.count("\n") == 1
    assert err.rstrip().endswith(".") and "Traceback" not in err
    assert index_state(config) == before


def test_an_unreachable_link_gets_one_sentence_and_nothing_else_changes(config: Path) -> None:
    assert run(config, "index", "build")[0] == 0
    before = index_state(config)
    url = f"http://127.0.0.1:{closed_port()}/news.html"
    code, out, err = run(config, "index", "add", url)
    assert code == 1 and out == ""
    assert err == f"Error: {url}: cannot be reached (ConnectError); check the link.\n"
    assert index_state(config) == before


def test_a_bad_link_among_good_ones_is_skipped_in_one_line(config: Path, site: tuple[str, dict[str, Route]]) -> None:
    base, _ = site
    code, out, err = run(config, "index", "add", f"{base}/news/a1.html", f"{base}/missing.html")
    assert code == 1 and f"《{TITLE}》" in out
    assert err == f"skipped  {base}/missing.html: the site answered 404 Not Found; check the link.\n"
    assert [a["url"] for a in listed(config) if a["url"]] == [f"{base}/news/a1.html"]


def test_show_of_an_unknown_article_is_one_sentence(config: Path) -> None:
    code, out, err = run(config, "index", "show", "nope", "--json")
    assert code == 1 and out == "" and err.startswith("Error: No article with id 'nope' is indexed; known ids: ")
    assert err.count("\n") == 1
