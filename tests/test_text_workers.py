"""Index-time text work in worker processes gives what the indexing process itself would."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import normalization, text_workers
from index.attribution import extract
from index.normalization import Analyzer
from index.records import Paragraph
from tests.test_normalization import _SENTENCES


def _article(*texts: str) -> list[Paragraph]:
    out, offset = [], 0
    for number, text in enumerate(texts, start=1):
        out.append(Paragraph(number, text, None, offset, offset + len(text)))
        offset += len(text) + 2
    return out


# Written for this test: speakers with and without titles, in both scripts, and an article with none.
_ARTICLES = [
    _article("威海市委书记张海波在会上说，要把合作基础打扎实。", "张海波表示，港口要先行。"),
    _article("據王強介紹，今年的產量翻了一番。", "王強說，明年還要再建兩座碼頭。"),
    _article("今天天气很好，市民纷纷出门散步。"),
    _article("青岛港集团董事长李奉利指出，集装箱吞吐量增长了百分之十二。", "他强调，绿色港口是方向。"),
]


@pytest.fixture
def small_pool(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Worker processes for batches of two and more, a few items per worker; the dictionary cached first."""
    monkeypatch.setattr(normalization, "POOL_MIN_TEXTS", 2)
    monkeypatch.setattr(text_workers, "POOL_MIN_TEXTS", 2)
    monkeypatch.setattr(text_workers, "CHUNK", 3)
    monkeypatch.setattr(text_workers, "ARTICLES_CHUNK", 1)
    Analyzer(cache_dir=tmp_path).terms("预热")  # writes the cache the workers load quickly
    return tmp_path


def test_terms_in_worker_processes_equal_terms_in_process(small_pool: Path) -> None:
    texts = _SENTENCES * 2
    expected = [Analyzer(cache_dir=small_pool, user_words=["王清宪", "胶东经济圈"]).terms(t) for t in texts]
    analyzer = Analyzer(cache_dir=small_pool, user_words=["王清宪", "胶东经济圈"], workers=2)
    assert analyzer.terms_many(texts) == expected


def test_speakers_extracted_in_worker_processes_equal_those_in_process(small_pool: Path) -> None:
    expected = [extract(paragraphs) for paragraphs in _ARTICLES]
    assert any(people for people, _ in expected) and any(statements for _, statements in expected)
    pooled = text_workers.extract_many(_ARTICLES, Analyzer(cache_dir=small_pool, workers=2))
    assert pooled == expected


def test_small_batches_stay_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a small batch started worker processes")

    monkeypatch.setattr(text_workers, "_pool", no_pool)
    analyzer = Analyzer(workers=2)
    assert text_workers.extract_many(_ARTICLES, analyzer) == [extract(p) for p in _ARTICLES]
