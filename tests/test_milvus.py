"""The Milvus backend on milvus-lite: the same passages as the local backend, kept in step through updates
and crashes, and one-sentence errors. Skipped only where pymilvus and milvus-lite are not installed."""

from __future__ import annotations

import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index import EngineSettings, QuoteEngine
from index.backends import open_backend
from index.errors import BackendError, IndexStoreError
from index.search import PassageHit
from tests.conftest import ROOT, SAMPLE, FakeEmbedder, settings_for
from tests.engines import ARTICLE, MEETINGS

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

QUESTIONS = ["会议由谁主持", "威海和青岛合作基础怎么样", "烟台市委书记是谁", "日照要打造什么南翼支点",
             "张海波说了什么", "胶东经济圈 两会", "量子色动力学"]
CHANGED = ARTICLE.replace("日照愿与青岛携手打造胶东经济圈的南翼支点", "日照将建设国际物流枢纽，服务胶东经济圈")
APPLES = "烟台苹果喜获丰收\n\n10月8日，烟台市栖霞苹果迎来丰收季，果农王大山说，今年的苹果个头大、甜度高。\n"


def _folder(root: Path) -> Path:
    folder = root / "articles"
    folder.mkdir(parents=True)
    (folder / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    (folder / "visit.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "meetings.txt").write_text(MEETINGS, encoding="utf-8")
    return folder


def _pair(tmp_path: Path, candidates: int = 50) -> tuple[QuoteEngine, QuoteEngine]:
    """A local and a milvus engine over the same articles (each in its own folder)."""
    engines = []
    for backend in ("local", "milvus"):
        settings = settings_for(backend, tmp_path / backend, _folder(tmp_path / backend))
        engines.append(QuoteEngine.open(replace(settings, candidates=candidates), FakeEmbedder()))
    return engines[0], engines[1]


def _ranked(engine: QuoteEngine, question: str) -> list[PassageHit]:
    searcher = engine.searcher
    return searcher.search(searcher.prepare(question), 20)


def _assert_same_ranking(local: QuoteEngine, milvus: QuoteEngine, tolerance: float = 1e-5) -> None:
    """Same passages, same order, same scores; ``tolerance`` allows for BM25 normalised with an average
    paragraph length of an earlier generation (index.sparse: within 2% of the true one)."""
    for question in QUESTIONS:
        want, got = _ranked(local, question), _ranked(milvus, question)
        assert [(h.article_id, h.paragraph) for h in got] == [(h.article_id, h.paragraph) for h in want], question
        for a, b in zip(want, got, strict=True):
            assert (b.score, b.lexical, b.dense, b.confidence) == pytest.approx(
                (a.score, a.lexical, a.dense, a.confidence), abs=tolerance), question
            assert b.chunk_cosines.keys() == a.chunk_cosines.keys()


def _rows(engine: QuoteEngine) -> int:
    """Rows the live snapshot's searches see, replaced ones included."""
    gatherer = engine.searcher.gatherer
    assert gatherer is not None
    return gatherer.backend.count()


def test_milvus_ranks_the_same_passages_in_the_same_order_as_local(tmp_path: Path) -> None:
    local, milvus = _pair(tmp_path)
    assert milvus.searcher.gatherer is not None and local.searcher.gatherer is None
    _assert_same_ranking(local, milvus)
    assert _rows(milvus) == milvus.searcher.data.chunk_count


def test_with_a_small_pool_the_lexical_candidates_come_from_the_sparse_search(tmp_path: Path) -> None:
    pool = 6
    local, milvus = _pair(tmp_path, candidates=pool)
    assert milvus.searcher.layout.passages > 3 * pool  # so the backend's top-k search is what finds them
    compared = 0
    for question in QUESTIONS + ["青岛的港口和航线", "威海市委书记张海波说威海与青岛合作基础扎实"]:
        lexical = np.sort(local.searcher.lexical_scores(local.searcher.prepare(question).terms))[::-1]
        if lexical[pool] <= 0 or lexical[pool - 1] - lexical[pool] < 1e-6:
            # Paragraphs of equal score at the pool's edge: each backend takes its own (the local pool even
            # takes paragraphs of score 0 at random, index.retrieval_search).
            continue
        want, got = _ranked(local, question), _ranked(milvus, question)
        assert [(h.article_id, h.paragraph, round(h.score, 5)) for h in got] == [
            (h.article_id, h.paragraph, round(h.score, 5)) for h in want], question
        compared += 1
    assert compared >= 3


def test_updates_keep_milvus_in_step_with_the_index(tmp_path: Path) -> None:
    local, milvus = _pair(tmp_path)
    for engine in (local, milvus):
        (engine.articles_dir / "visit.txt").write_text(CHANGED, encoding="utf-8")
        apples = engine.articles_dir / "apples.txt"
        apples.write_text(APPLES, encoding="utf-8")
        engine.add_files([engine.articles_dir / "visit.txt", apples])
    # Written incrementally: the new rows use the stored average length, the old rows are kept.
    _assert_same_ranking(local, milvus, tolerance=0.01)
    # The rows the update replaced (the changed article's old chunks) are gone once it is live.
    assert _rows(milvus) == milvus.searcher.data.chunk_count
    assert _ranked(milvus, "日照将建设什么")[0].article_id == "visit"
    for engine in (local, milvus):
        engine.remove("meetings")
    # Removing a third of the paragraphs moves the average length past 2%: everything is written again.
    _assert_same_ranking(local, milvus)
    assert _rows(milvus) == milvus.searcher.data.chunk_count
    assert all(h.article_id != "meetings" for h in _ranked(milvus, "会议由谁主持"))


def test_a_second_engine_on_the_same_collection_follows_the_writer(tmp_path: Path) -> None:
    # Two serve processes behind a load balancer share the index folder and the collection; here two
    # engines in one process share the milvus-lite file (a server in production).
    settings = settings_for("milvus", tmp_path, _folder(tmp_path))
    writer = QuoteEngine.open(settings, FakeEmbedder())
    reader = QuoteEngine.open(settings, FakeEmbedder())
    before = _ranked(reader, "烟台苹果丰收")
    apples = settings.articles_dir / "apples.txt"
    apples.write_text(APPLES, encoding="utf-8")
    writer.add_files([apples])
    # The new rows are in the collection, but the reader still serves its generation, unchanged.
    assert _ranked(reader, "烟台苹果丰收") == before
    assert reader.refresh() and reader.stats()["generation"] == writer.stats()["generation"]
    assert _ranked(reader, "烟台苹果丰收")[0].article_id == "apples"


def test_a_crash_between_milvus_and_the_manifest_serves_the_old_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, milvus = _pair(tmp_path)
    generation = milvus.stats()["generation"]
    apples = milvus.articles_dir / "apples.txt"
    apples.write_text(APPLES, encoding="utf-8")

    def crash(index_dir: Path, data: object, *options: object) -> int:
        raise IndexStoreError("the disk filled up before the manifest was written")

    monkeypatch.setattr("index.engine.store.save", crash)
    with pytest.raises(IndexStoreError, match="disk filled up"):
        milvus.add_files([apples])
    monkeypatch.undo()
    # Milvus now holds the new article's rows, but no reader of the live generation sees them.
    reopened = QuoteEngine.open(milvus.settings, FakeEmbedder())
    for engine in (milvus, reopened):
        assert engine.stats()["generation"] == generation
        _assert_same_ranking(local, engine)
        assert all(h.article_id != "apples" for h in _ranked(engine, "烟台苹果丰收"))
    # The next update clears what the crash left and writes everything again.
    reopened.add_files([apples])
    local.add_files([_copy(apples, local.articles_dir)])
    _assert_same_ranking(local, reopened)
    assert _rows(reopened) == reopened.searcher.data.chunk_count
    assert _ranked(reopened, "烟台苹果丰收")[0].article_id == "apples"


def _copy(path: Path, folder: Path) -> Path:
    target = folder / path.name
    target.write_bytes(path.read_bytes())
    return target


def test_an_index_milvus_never_received_is_refused_until_it_is_built(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    local = settings_for("local", tmp_path, folder)
    QuoteEngine.open(local, FakeEmbedder())
    milvus = settings_for("milvus", tmp_path, folder)
    with pytest.raises(BackendError, match=r"does not hold index generation 1.*'quotebot index build'"):
        QuoteEngine.open(milvus, FakeEmbedder())
    QuoteEngine(milvus, FakeEmbedder()).rebuild()
    assert QuoteEngine.open(milvus, FakeEmbedder()).ask("张海波说了什么").found


def test_a_collection_of_another_embedder_is_refused(tmp_path: Path) -> None:
    settings = settings_for("milvus", tmp_path, _folder(tmp_path))
    QuoteEngine.open(settings, FakeEmbedder())
    other = EngineSettings(tmp_path / "other-index", tmp_path / "cache", settings.articles_dir, backend="milvus",
                           milvus_uri=settings.milvus_uri)
    with pytest.raises(BackendError, match=r"holds vectors of embedder 'fake:hash-256' \(dim 256\).*'fake:small'"):
        QuoteEngine.open(other, FakeEmbedder(dim=64, name="fake:small"))


def test_missing_pymilvus_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for("milvus", tmp_path, _folder(tmp_path))
    monkeypatch.setitem(sys.modules, "pymilvus", None)
    with pytest.raises(BackendError, match=r"needs pymilvus, which is not installed; .*pip install 'quotebot\[milvus\]'"):
        QuoteEngine.open(settings, FakeEmbedder())


def test_an_unreachable_server_and_a_bad_uri_are_one_sentence(capfd: pytest.CaptureFixture[str]) -> None:
    from index.milvus_backend import connect

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(BackendError, match=rf"^Cannot open the Milvus server at http://127.0.0.1:{port} \("):
        connect(f"http://127.0.0.1:{port}", timeout=1)
    assert capfd.readouterr().err == ""  # the sentence alone: pymilvus's own log line is held back
    with pytest.raises(BackendError, match="neither a server address"):
        connect("data/vectors")
    with pytest.raises(BackendError, match="backend 'weaviate' is not known; use one of: local, milvus"):
        open_backend("weaviate", "", "quotebot", "fake", 4)


def test_a_second_process_on_the_same_lite_file_is_told_why(tmp_path: Path) -> None:
    from index.milvus_backend import connect

    db = tmp_path / "shared.db"
    client = connect(str(db))
    probe = (
        "from index.errors import BackendError\n"
        "from index.milvus_backend import connect\n"
        "try:\n"
        f"    connect({str(db)!r})\n"
        "except BackendError as exc:\n"
        "    print(exc)\n"
    )
    try:
        second = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    finally:
        client.close()
    assert f"The milvus-lite file {db} is open in another process" in second.stdout, second.stderr[-500:]
