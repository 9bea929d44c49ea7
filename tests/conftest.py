"""Shared fixtures: a fake embedder (fast, deterministic, counts its work) and temporary engines."""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

import index.search
from index.embedders import normalise_rows
from index.engine import EngineSettings, QuoteEngine
from index.evidence import FEATURES
from index.not_found import NotFoundModel
from index.records import Calibration
from tests.fake_bot_api import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "articles" / "jiaodong-economic-circle.txt"


class FakeEmbedder:
    """Hashes character unigrams and bigrams into a small vector: similar text, similar vectors.

    Records every passage it embeds, so tests can prove what was (not) re-embedded.
    """

    def __init__(self, dim: int = 256, name: str = "fake:hash-256") -> None:
        self._dim = dim
        self._name = name
        self.passages: list[str] = []
        self.queries: list[str] = []

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self._dim, dtype=np.float32)
        chars = re.sub(r"\s", "", text)
        grams = list(chars) + [chars[i : i + 2] for i in range(len(chars) - 1)]
        for gram in grams:
            h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=4).digest(), "little")
            vec[h % self._dim] += 1.0
        return vec

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.queries.extend(texts)
        return normalise_rows(np.stack([self._vector(t) for t in texts])) if texts else np.zeros((0, self._dim))

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages.extend(texts)
        return normalise_rows(np.stack([self._vector(t) for t in texts])) if texts else np.zeros((0, self._dim))


class LexicalOnlyEmbedder(FakeEmbedder):
    """A fake whose cosines all fall below its calibration floor: ranking and "not found" are lexical
    alone, so a test can work its expected ranks out by hand."""

    calibration = Calibration(floor=1.0, ceiling=2.0)


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """What a test froze (``bot.runtime.ready_for_questions``) is collectable again after it."""
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No QuoteBot or Telegram setting of the machine running the tests reaches a test."""
    import os

    for name in list(os.environ):
        if name.startswith(("QUOTEBOT_", "TELEGRAM_")):
            monkeypatch.delenv(name)


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    """A fake Telegram Bot API server on 127.0.0.1."""
    server = FakeBotAPI()
    server.start()
    yield server
    server.close()


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    return folder


BACKENDS = ["local", "milvus"]


def settings_for(backend: str, tmp_path: Path, articles_dir: Path) -> EngineSettings:
    """Engine settings in ``tmp_path`` for a retrieval backend; milvus runs on a milvus-lite file there, and
    its tests are skipped only where pymilvus and milvus-lite are not installed (CI installs them)."""
    if backend == "milvus":
        pytest.importorskip("pymilvus")
        pytest.importorskip("milvus_lite")
        return EngineSettings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache", articles_dir=articles_dir,
                              backend="milvus", milvus_uri=str(tmp_path / "milvus" / "quotebot.db"))
    return EngineSettings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache", articles_dir=articles_dir)


@pytest.fixture
def engine_settings(tmp_path: Path, articles_dir: Path) -> EngineSettings:
    # The default threshold: it means the same for the fake embedder, whose cosine band is measured.
    return EngineSettings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache", articles_dir=articles_dir)


@pytest.fixture
def engine(engine_settings: EngineSettings, fake_embedder: FakeEmbedder) -> QuoteEngine:
    return QuoteEngine.open(engine_settings, fake_embedder)


def use_content_model(monkeypatch: pytest.MonkeyPatch, embedder_name: str) -> NotFoundModel:
    """Give ``embedder_name`` a not-found model that weighs only the share of the question's content
    words a passage holds (the bundled model is fitted for the bundled embedder alone); searchers made
    after this use it, with the anchors it brings."""
    weights = tuple(4.0 if name == "content" else 0.0 for name in FEATURES)
    model = NotFoundModel(embedder_name, (0.5,) * len(FEATURES), (1.0,) * len(FEATURES), weights, 0.0)
    monkeypatch.setattr(index.search, "model_for", lambda name: model if name == embedder_name else None)
    return model
