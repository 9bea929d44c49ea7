"""The engine owns paging: pages are slices of one ranked, de-duplicated list of quotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import CursorError, EngineSettings, NotFound, Page, QuoteEngine, Reason
from tests.conftest import FakeEmbedder

# Every paragraph closes with the same sentence, as minutes of meetings do.
MEETINGS = "\n\n".join(
    [f"　　{city}今年新开集装箱航线{n}条，物流园区投入使用，吞吐量比去年增长{n}成。会议由市长主持。"
     for n, city in enumerate(["青岛", "烟台", "威海", "日照", "潍坊", "东营", "滨州", "临沂"], start=3)]
    + [f"　　{city}的港口会议由市长{name}主持，研究了航线和园区。" for city, name in
       [("莱阳", "王大山"), ("海阳", "李小川"), ("栖霞", "赵明"), ("龙口", "孙亮")]]
)
QUESTION = "会议由谁主持"


@pytest.fixture
def meetings(tmp_path: Path) -> QuoteEngine:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "meetings.txt").write_text(f"港口合作会议纪要\n\n{MEETINGS}\n", encoding="utf-8")
    settings = EngineSettings(tmp_path / "index", tmp_path / "cache", folder)
    return QuoteEngine.open(settings, FakeEmbedder())


def _all_pages(engine: QuoteEngine, question: str, top_k: int) -> list[Page]:
    pages: list[Page] = []
    cursor: str | None = None
    while True:
        answer = engine.ask(question, top_k, cursor)
        assert isinstance(answer, Page)
        pages.append(answer)
        if not answer.has_more:
            assert answer.next_cursor is None
            return pages
        cursor = answer.next_cursor


@pytest.mark.parametrize("top_k", [1, 2, 3])
def test_more_never_repeats_a_quote_and_never_skips_one(meetings: QuoteEngine, top_k: int) -> None:
    everything, ranked = meetings.ask_ranked(QUESTION, top_k=50, depth=50)
    assert isinstance(everything, Page) and not everything.has_more
    texts = [q.text for q in everything.quotes]
    # Twelve paragraphs answer; eight of them with the same sentence, which is shown once.
    assert len(ranked) == 12 and texts.count("会议由市长主持。") == 1
    assert len(texts) == len(set(texts)) == 5
    pages = _all_pages(meetings, QUESTION, top_k)
    paged = [q.text for page in pages for q in page.quotes]
    assert paged == texts
    assert [page.start for page in pages] == list(range(0, len(texts), top_k))
    assert all(len(page.quotes) == top_k for page in pages[:-1])


def test_a_page_past_the_end_says_so(meetings: QuoteEngine) -> None:
    first = meetings.ask(QUESTION, top_k=50)
    assert isinstance(first, Page)
    beyond = meetings.ask(QUESTION, top_k=3, cursor=str(len(first.quotes)))
    assert isinstance(beyond, NotFound) and beyond.reason is Reason.NO_MORE


def test_reasons_for_nothing(meetings: QuoteEngine) -> None:
    assert meetings.ask("   ").reason is Reason.EMPTY  # type: ignore[union-attr]
    too_long = meetings.ask("港口" * 2000)
    assert isinstance(too_long, NotFound) and too_long.reason is Reason.TOO_LONG
    assert len(too_long.question) == meetings.settings.max_question_chars
    nothing = meetings.ask("Quantum chromodynamics lattice gauge theory")
    assert isinstance(nothing, NotFound) and nothing.reason is Reason.NO_MATCH and nothing.quotes == []


@pytest.mark.parametrize("cursor", ["-1", "abc", "9" * 40, ""])
def test_a_cursor_the_engine_did_not_hand_out_is_refused(meetings: QuoteEngine, cursor: str) -> None:
    with pytest.raises(CursorError, match="not a page cursor"):
        meetings.ask(QUESTION, cursor=cursor)
