"""The question-vector cache: a repeated question skips the model, across index updates and threads."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from index import EngineSettings, QuoteEngine
from index.embedding_cache import EmbeddingCache, content_hash, embed_passages
from index.errors import IndexStoreError
from index.question_cache import CachedQuestions, query_key
from tests.conftest import FakeEmbedder


def test_a_repeated_question_is_not_embedded_again() -> None:
    model = FakeEmbedder()
    cache = CachedQuestions(model, size=8)
    first = cache.encode_queries(["威海书记说了什么"])
    again = cache.encode_queries(["威海书记说了什么"])
    assert model.queries == ["威海书记说了什么"]
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, model.encode_queries(["威海书记说了什么"]))
    assert (cache.hits, cache.misses) == (1, 1)


def test_the_least_recently_used_question_goes_first() -> None:
    model = FakeEmbedder()
    cache = CachedQuestions(model, size=2)
    cache.encode_queries(["甲"])
    cache.encode_queries(["乙"])
    cache.encode_queries(["甲"])  # 甲 is now the most recent
    cache.encode_queries(["丙"])  # 乙 goes
    assert len(cache) == 2
    model.queries.clear()
    cache.encode_queries(["甲", "丙", "乙"])
    assert model.queries == ["乙"]


def test_a_batch_keeps_its_order_and_embeds_each_new_text_once() -> None:
    model = FakeEmbedder()
    cache = CachedQuestions(model, size=8)
    cache.encode_queries(["乙"])
    out = cache.encode_queries(["甲", "乙", "甲"])
    assert model.queries == ["乙", "甲"]
    np.testing.assert_array_equal(out, model.encode_queries(["甲", "乙", "甲"]))
    assert cache.encode_queries([]).shape == (0, model.dim)


def test_a_caller_changing_its_vectors_does_not_change_the_cache() -> None:
    cache = CachedQuestions(FakeEmbedder(), size=8)
    first = cache.encode_queries(["甲"])
    kept = first.copy()
    first[:] = 0.0
    np.testing.assert_array_equal(cache.encode_queries(["甲"]), kept)


def test_size_zero_remembers_nothing_and_a_negative_size_is_refused() -> None:
    model = FakeEmbedder()
    cache = CachedQuestions(model, size=0)
    cache.encode_queries(["甲"])
    cache.encode_queries(["甲"])
    assert model.queries == ["甲", "甲"] and len(cache) == 0
    with pytest.raises(ValueError, match="-1"):
        CachedQuestions(model, size=-1)


def test_threads_sharing_the_cache_get_the_right_vectors() -> None:
    model = FakeEmbedder()
    cache = CachedQuestions(model, size=16)
    texts = [f"问题{i}" for i in range(40)]
    wrong: list[str] = []

    def ask(offset: int) -> None:
        for i in range(200):
            text = texts[(i * 7 + offset) % len(texts)]
            if not np.array_equal(cache.encode_queries([text])[0], model._vector(text) / np.linalg.norm(model._vector(text))):
                wrong.append(text)

    workers = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert wrong == [] and len(cache) <= 16


def test_the_engine_embeds_a_repeated_question_once_even_across_an_update(
    engine: QuoteEngine, fake_embedder: FakeEmbedder, articles_dir: Path
) -> None:
    first = engine.ask("威海书记说了什么")
    fake_embedder.queries.clear()
    assert engine.ask("威海书记说了什么") == first
    (articles_dir / "other.txt").write_text("新闻标题\n\n记者说，今天的天气很好，市民纷纷出门散步。", encoding="utf-8")
    engine.add_files([articles_dir / "other.txt"])
    engine.ask("威海书记说了什么")
    assert fake_embedder.queries == []


def test_a_question_asked_before_a_restart_skips_the_model(tmp_path: Path) -> None:
    first_model = FakeEmbedder()
    first = CachedQuestions(first_model, size=8, store=lambda: EmbeddingCache(tmp_path / "e.sqlite"))
    asked = first.encode_queries(["威海书记说了什么", "青岛天气怎么样"])
    first.flush()  # written in the background; a restart comes later
    model = FakeEmbedder()
    store = EmbeddingCache(tmp_path / "e.sqlite")
    again = CachedQuestions(model, size=8, store=lambda: store)
    out = again.encode_queries(["青岛天气怎么样", "烟台港有多大", "威海书记说了什么"])
    assert model.queries == ["烟台港有多大"]
    np.testing.assert_array_equal(out[[2, 0]], asked)
    assert again.stored_hits == 2
    again.flush()
    assert len(store.get(query_key(model.name), [content_hash("烟台港有多大")])) == 1


def test_question_and_passage_vectors_of_one_text_are_kept_apart(tmp_path: Path) -> None:
    store = EmbeddingCache(tmp_path / "e.sqlite")
    embed_passages(FakeEmbedder(), ["威海书记说了什么"], store)  # the same words, embedded as a passage
    model = FakeEmbedder()
    CachedQuestions(model, size=8, store=lambda: store).encode_queries(["威海书记说了什么"])
    assert model.queries == ["威海书记说了什么"]  # e5 embeds a question with another prefix
    assert model.passages == []


def test_a_cache_that_cannot_be_opened_leaves_questions_to_the_model(tmp_path: Path) -> None:
    def unavailable() -> EmbeddingCache:
        raise IndexStoreError("Cannot open the embedding cache x: read-only file system.")

    model = FakeEmbedder()
    cache = CachedQuestions(model, size=0, store=unavailable)
    cache.encode_queries(["甲"])
    cache.encode_queries(["甲"])
    assert model.queries == ["甲", "甲"] and cache.store is None


def test_the_engine_keeps_question_vectors_across_a_restart(
    engine: QuoteEngine, engine_settings: EngineSettings
) -> None:
    first = engine.ask("威海书记说了什么")
    engine.questions.flush()
    model = FakeEmbedder()
    reopened = QuoteEngine.open(engine_settings, model)
    assert reopened.ask("威海书记说了什么") == first
    assert model.queries == []
