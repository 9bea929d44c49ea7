"""Synthetic archives for the scale benchmarks: real dev-set text varied to any size, and a stand-in
embedder whose vectors are distributed like the bundled model's.

Text. Copy 0 of every CMRC 2018 / DRCD dev article is the article itself; copy k > 0 rotates the order
of its paragraphs and of the sentences inside each paragraph by k, and redraws every number (a seeded
random number of the same length), so chunks differ between copies, chunk lengths stay those of real
text, and the vocabulary grows a little with every copy, as an archive's does with new numbers.

Vectors. Without ``--vectors`` the stand-in hashes character pairs into a random projection: cheap
and deterministic, but its vectors are spread over the whole sphere, which flatters approximate
indexes. With the output of ``real_vectors.py`` it draws each chunk's vector from the model's own
distribution instead: the mean vector of the real chunks plus the sum of two real chunks' residuals
(chosen by a hash of the text) and a little Gaussian noise, rescaled to a real residual's length.
The cosine spread, the dominant directions and the clusters of the real embeddings are kept; copies of
one chunk share half of their residual, like two articles on one topic, not near-duplicates.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from index.chunking import chunk_article
from index.datasets import load_squad
from index.normalization import to_simplified
from index.records import CleanArticle, Paragraph
from index.sentences import split_sentences

CORPORA = ("cmrc2018_dev.json", "drcd_dev.json")
DIM = 384
NOISE = 0.35  # Gaussian noise, relative to a residual's typical per-dimension spread
_DIGITS = re.compile(r"\d+")


def source_articles(eval_dir: Path) -> list[CleanArticle]:
    """The dev sets' articles, with ids that do not collide between the two sets."""
    out: list[CleanArticle] = []
    for name in CORPORA:
        prefix = name[0]
        for a in load_squad(eval_dir / name).articles:
            out.append(CleanArticle(f"{prefix}{a.article_id}", a.title, a.source, a.paragraphs))
    return out


def questions(eval_dir: Path, vectors_dir: Path | None = None) -> list[str]:
    """The dev sets' questions; with ``vectors_dir``, those the model embedded (they have real vectors)."""
    if vectors_dir is not None and (vectors_dir / "questions.jsonl").exists():
        with (vectors_dir / "questions.jsonl").open(encoding="utf-8") as fh:
            return [json.loads(line)["text"] for line in fh]
    return [q.question for name in CORPORA for q in load_squad(eval_dir / name).questions]


def spread(items: list[str], n: int) -> list[str]:
    """``n`` items evenly spread over ``items`` (both dev sets, not the first one only)."""
    return items[:: max(1, len(items) // max(n, 1))][:n]


def varied(article: CleanArticle, copy: int) -> CleanArticle:
    """Copy ``copy`` of an article: paragraphs and sentences rotated, numbers redrawn."""
    if copy == 0:
        return article
    rng = random.Random(f"{article.article_id}/{copy}")

    def redraw(match: re.Match[str]) -> str:
        n = len(match.group())
        return str(rng.randrange(10 ** (n - 1) if n > 1 else 0, 10**n))

    texts = [p.text for p in article.paragraphs]
    shift = copy % len(texts)
    texts = texts[shift:] + texts[:shift]
    paragraphs: list[Paragraph] = []
    offset = 0
    for number, text in enumerate(texts):
        spans = split_sentences(text)
        turn = copy % len(spans) if spans else 0
        spans = spans[turn:] + spans[:turn]
        body = _DIGITS.sub(redraw, "".join(text[lo:hi] for lo, hi in spans))
        paragraphs.append(Paragraph(number, body, None, offset, offset + len(body)))
        offset += len(body) + 2
    return CleanArticle(f"{article.article_id}-{copy}", f"{article.title}（{copy}）", article.source, paragraphs)


def synthetic_articles(sources: Sequence[CleanArticle], chunks: int, target: int = 50, limit: int = 200
                       ) -> Iterator[CleanArticle]:
    """Varied copies of ``sources``, in order, until they hold at least ``chunks`` chunks."""
    total, copy = 0, 0
    while True:
        for article in sources:
            if total >= chunks:
                return
            new = varied(article, copy)
            total += len(chunk_article(new, target, limit))
            yield new
        copy += 1


class RealDistribution:
    """Real chunk vectors split into their mean and residuals, for drawing look-alike vectors."""

    def __init__(self, vectors: np.ndarray, seed: int = 0) -> None:
        real = np.asarray(vectors, dtype=np.float32)
        self.mean = real.mean(axis=0)
        self.residuals = real - self.mean
        self.lengths = np.linalg.norm(self.residuals, axis=1)
        self.spread = float(self.residuals.std())
        self.noise = np.random.default_rng(seed).standard_normal((4096, real.shape[1])).astype(np.float32)

    def draw(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """One vector per (a, b, c): residuals of real chunks a and b, noise row c, at a's length."""
        res = self.residuals[a] + self.residuals[b] + NOISE * self.spread * self.noise[c % len(self.noise)]
        res *= (self.lengths[a] / np.maximum(np.linalg.norm(res, axis=1), 1e-9))[:, None]
        out = self.mean + res
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)

    def sample(self, n: int, seed: int = 1) -> np.ndarray:
        """``n`` look-alike vectors (a random pair and noise row each)."""
        rng = np.random.default_rng(seed)
        m = len(self.residuals)
        parts = []
        for start in range(0, n, 100_000):
            k = min(100_000, n - start)
            parts.append(self.draw(rng.integers(0, m, k), rng.integers(0, m, k), rng.integers(0, 1 << 30, k)))
        return np.concatenate(parts) if parts else np.zeros((0, DIM), dtype=np.float32)


def _hash_ints(text: str) -> tuple[int, int, int]:
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=12).digest()
    return (int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:8], "little"),
            int.from_bytes(digest[8:], "little"))


class StandInEmbedder:
    """Fast, deterministic vectors for benchmarks (see the module docstring); questions the real model
    embedded (``questions.npy``) get their real vector, so dense search sees real questions."""

    dim = DIM

    def __init__(self, vectors_dir: Path | None = None) -> None:
        self.real: RealDistribution | None = None
        self.known_questions: dict[str, np.ndarray] = {}
        if vectors_dir is not None:
            self.name = "bench:real-mix-384"
            self.real = RealDistribution(np.load(vectors_dir / "chunks.npy"))
            qvecs = np.load(vectors_dir / "questions.npy")
            with (vectors_dir / "questions.jsonl").open(encoding="utf-8") as fh:
                for line, vec in zip(fh, qvecs, strict=True):
                    text = json.loads(line)["text"]
                    self.known_questions[text] = self.known_questions[to_simplified(text)] = vec
        else:
            self.name = "bench:pair-hash-384"
            self.projection = np.random.default_rng(7).standard_normal((1 << 14, DIM)).astype(np.float32)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        if self.real is None:
            return np.stack([self._hashed(t) for t in texts])
        ints = np.array([_hash_ints(t) for t in texts], dtype=np.int64)
        m = len(self.real.residuals)
        return self.real.draw(ints[:, 0] % m, ints[:, 1] % m, ints[:, 2])

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        # The engine asks for questions in simplified script; both spellings are keys.
        rows = []
        for t in texts:
            vec = self.known_questions.get(t)
            rows.append(vec if vec is not None else self.encode_passages([t])[0])
        return np.stack(rows).astype(np.float32) if rows else np.zeros((0, DIM), dtype=np.float32)

    def _hashed(self, text: str) -> np.ndarray:
        grams = [text[i : i + 2] for i in range(max(len(text) - 1, 1))]
        rows = [int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=4).digest(), "little") & 0x3FFF
                for g in grams]
        vec = self.projection[rows].sum(axis=0)
        return (vec / max(float(np.linalg.norm(vec)), 1e-9)).astype(np.float32)
