from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

import index.anchors
import index.search
from index.engine import EngineSettings, QuoteEngine
from index.errors import UnknownArticleError
from tests.conftest import BACKENDS, FakeEmbedder, settings_for, use_content_model

NEW_ARTICLE = """烟台苹果喜获丰收

　　10月8日，烟台市栖霞苹果迎来丰收季，果农王大山说，今年的苹果个头大、甜度高，收购价每斤3.5元。

　　据市农业局介绍，全市苹果产量预计比去年增长一成。
"""


@pytest.fixture(params=BACKENDS)
def engine_settings(request: pytest.FixtureRequest, tmp_path: Path, articles_dir: Path) -> EngineSettings:
    """Every engine test here runs on each retrieval backend."""
    return settings_for(request.param, tmp_path, articles_dir)


def test_build_indexes_sample(engine: QuoteEngine) -> None:
    ids = [a.article_id for a in engine.articles()]
    assert ids == ["jiaodong-economic-circle", "jiaodong-economic-circle-2"]
    assert engine.stats()["chunks"] == sum(a.chunks for a in engine.articles())


def test_answers_quote_verbatim_with_source(engine: QuoteEngine) -> None:
    answer = engine.ask("张海波说了什么", top_k=3)
    assert answer.found
    texts = [q.text for q in answer.quotes]
    assert any(t.startswith("张海波说,威海与青岛合作基础扎实") for t in texts)
    full = engine.searcher.data.articles["jiaodong-economic-circle"]
    clean = "\n\n".join(p.text for p in full.paragraphs)
    for quote in answer.quotes:
        if quote.article_id == "jiaodong-economic-circle":
            assert clean[quote.start : quote.end] == quote.text
            assert quote.text in quote.context
    top = next(q for q in answer.quotes if q.text.startswith("张海波说"))
    assert top.section == "威海:将积极接轨青岛"
    assert top.title == "把胶东经济圈打造成为产业、利益、命运共同体"


def test_nothing_found_below_threshold(engine: QuoteEngine) -> None:
    answer = engine.ask("Quantum chromodynamics lattice gauge theory")
    assert not answer.found and answer.quotes == []
    assert not engine.ask("   ").found


def test_add_embeds_only_the_new_article(
    engine: QuoteEngine, fake_embedder: FakeEmbedder, tmp_path: Path
) -> None:
    before = len(fake_embedder.passages)
    path = tmp_path / "apples.txt"
    path.write_text(NEW_ARTICLE, encoding="utf-8")
    report = engine.add_files([path])
    new_texts = fake_embedder.passages[before:]
    assert [a.article_id for a in report.added] == ["apples"]
    assert report.embedded_chunks == len(new_texts) == report.added[0].chunks > 0
    assert all(("苹果" in t or "果农" in t or "农业局" in t) for t in new_texts)
    assert engine.ask("栖霞苹果收购价多少").quotes[0].article_id == "apples"
    # Adding it again embeds nothing.
    again = engine.add_files([path])
    assert [a.article_id for a in again.unchanged] == ["apples"] and again.embedded_chunks == 0
    assert len(fake_embedder.passages) == before + len(new_texts)


def test_changed_article_reembeds_only_changed_chunks(
    engine: QuoteEngine, fake_embedder: FakeEmbedder, tmp_path: Path
) -> None:
    path = tmp_path / "apples.txt"
    path.write_text(NEW_ARTICLE, encoding="utf-8")
    engine.add_files([path])
    before = len(fake_embedder.passages)
    path.write_text(NEW_ARTICLE + "\n　　新增一段：冷库储存能力达到十万吨。\n", encoding="utf-8")
    report = engine.add_files([path])
    assert fake_embedder.passages[before:] == ["新增一段：冷库储存能力达到十万吨。"]
    assert report.embedded_chunks == 1


def test_a_fresh_process_reuses_the_cache(engine_settings: EngineSettings, engine: QuoteEngine) -> None:
    again = FakeEmbedder()
    engine.rebuild()
    QuoteEngine(engine_settings, again).rebuild()
    assert again.passages == []


def test_remove_and_unknown_id(engine: QuoteEngine) -> None:
    info = engine.remove("jiaodong-economic-circle-2")
    assert info.title.startswith("5月7日")
    assert [a.article_id for a in engine.articles()] == ["jiaodong-economic-circle"]
    query = engine.searcher.prepare("胶东经济圈 两会")
    assert all(h.article_id != info.article_id for h in engine.searcher.search(query, 50))
    with pytest.raises(UnknownArticleError, match="No article with id 'nope'.*jiaodong-economic-circle"):
        engine.remove("nope")


def test_bad_files_are_reported_and_others_indexed(
    engine_settings: EngineSettings, fake_embedder: FakeEmbedder
) -> None:
    folder = engine_settings.articles_dir
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "gbk.txt").write_bytes(NEW_ARTICLE.encode("gbk"))
    engine = QuoteEngine.open(engine_settings, fake_embedder)
    report = engine.rebuild()
    failed = dict(report.failed)
    assert set(Path(p).name for p in failed) == {"empty.txt", "binary.txt"}
    assert "empty" in failed[str(folder / "empty.txt")]
    assert {a.article_id for a in report.added} == {"gbk", "jiaodong-economic-circle", "jiaodong-economic-circle-2"}


def test_same_file_name_in_two_folders_gets_two_ids(engine: QuoteEngine, tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "news.txt").write_text(NEW_ARTICLE.replace("烟台", name), encoding="utf-8")
    engine.add_files([tmp_path / "a" / "news.txt"])
    engine.add_files([tmp_path / "b" / "news.txt"])
    ids = [a.article_id for a in engine.articles() if a.article_id.startswith("news")]
    assert len(ids) == 2 and "news" in ids


def test_questions_are_answered_during_an_update(engine: QuoteEngine, tmp_path: Path) -> None:
    paths = []
    for i in range(5):
        path = tmp_path / f"n{i}.txt"
        path.write_text(NEW_ARTICLE.replace("栖霞", f"栖霞{i}区"), encoding="utf-8")
        paths.append(path)
    errors: list[BaseException] = []
    answers = []
    done = threading.Event()

    def ask_loop() -> None:
        while not done.is_set():
            try:
                answers.append(engine.ask("张海波说了什么"))
            except BaseException as exc:  # noqa: BLE001 - any failure must fail the test
                errors.append(exc)

    reader = threading.Thread(target=ask_loop)
    reader.start()
    try:
        for path in paths:
            engine.add_files([path])
    finally:
        done.set()
        reader.join()
    assert not errors
    assert answers and all(a.found for a in answers)
    assert engine.stats()["articles"] == 7


def test_names_and_quoted_terms_become_whole_words(engine: QuoteEngine) -> None:
    data = engine.searcher.data
    assert {"王清宪", "张海波", "火车头", "领头雁"} <= set(data.user_words)
    # Terms are stored for updates, apart from the records answering reads.
    terms = data.terms()["jiaodong-economic-circle"][2]  # "王清宪介绍了本市经济社会发展情况。…"
    assert "王清宪" in terms


def test_no_chunk_or_quote_grows_without_bound(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    # A long statement, then a flattened table: one line without a sentence end.
    table = "港口吞吐量统计" + "".join(f"港口{i}号泊位吞吐量{i * 3}万吨 " for i in range(300))
    speech = "王大山说，" + "，".join(f"第{i}个港口项目要抓紧推进" for i in range(60)) + "。"
    (folder / "table.txt").write_text(f"港口统计\n\n{speech}\n\n{table}\n", encoding="utf-8")
    settings = EngineSettings(tmp_path / "index", tmp_path / "cache", folder, max_quote_chars=120)
    engine = QuoteEngine.open(settings, fake_embedder)
    assert max(len(chunk.text) for _, chunk in engine.searcher.data.chunks()) <= 300
    spoken = engine.ask("王大山说了什么")
    assert spoken.quotes[0].speaker is not None and spoken.quotes[0].speaker.name == "王大山"
    for question in ("港口200号泊位吞吐量", "王大山说了什么"):
        answer = engine.ask(question, top_k=5)
        assert answer.found, question
        article = engine.searcher.data.articles[answer.quotes[0].article_id]
        text = "\n\n".join(p.text for p in article.paragraphs)
        for quote in answer.quotes:
            assert 0 < len(quote.text) <= 120 and text[quote.start : quote.end] == quote.text


def test_warming_makes_what_the_first_question_needs(
    engine_settings: EngineSettings, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The anchors (and their tag dictionary) come with a not-found model: one that weighs content only.
    use_content_model(monkeypatch, fake_embedder.name)
    monkeypatch.setattr(index.anchors, "_DICTIONARY", [])
    built = QuoteEngine.open(engine_settings, fake_embedder)
    fresh = QuoteEngine.open(engine_settings, fake_embedder)
    assert built is not fresh and fresh._searcher.made() is None and fresh._attribution.made() is None
    fresh.warm()
    assert fresh._searcher.made() is not None and fresh._attribution.made() is not None
    assert index.anchors._DICTIONARY  # read now, not by the first user's question
    answer = fresh.ask("张海波说了什么")
    assert answer.quotes and answer.quotes[0].speaker is not None


def test_a_warmed_engine_sets_up_each_update_before_serving_it(
    engine: QuoteEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "apples.txt"
    path.write_text(NEW_ARTICLE, encoding="utf-8")
    engine.add_files([path])
    assert engine._searcher is not None and engine._searcher.made() is None  # a CLI add sets nothing up
    engine.warm()
    path.write_text(NEW_ARTICLE.replace("栖霞", "蓬莱"), encoding="utf-8")
    rehearsed: list[object] = []
    rehearse = engine._rehearse
    monkeypatch.setattr(engine, "_rehearse", lambda s, a: (rehearsed.append(s), rehearse(s, a)))
    engine.add_files([path])
    # The new snapshot's searcher was made and asked before it was served.
    assert engine._searcher.made() is not None and rehearsed == [engine._searcher.made()]
    assert engine.ask("蓬莱苹果收购价多少").quotes[0].article_id == "apples"

    def broken(searcher: object, attribution: object) -> None:
        raise RuntimeError("a fault in answering")

    monkeypatch.setattr(engine, "_rehearse", broken)
    path.write_text(NEW_ARTICLE.replace("栖霞", "龙口"), encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="index.engine"):
        engine.add_files([path])  # the index is written and served; the fault is logged
    assert "Warming the updated index failed" in caplog.text
    assert engine.ask("龙口苹果收购价多少").quotes[0].article_id == "apples"
