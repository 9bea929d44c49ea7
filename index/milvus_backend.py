"""The Milvus backend of :mod:`index.retrieval`: one collection of chunk rows, on a server or in a milvus-lite file.

A row is one chunk: its dense vector and, on its paragraph's first chunk, the paragraph's BM25 vector
(:mod:`index.sparse`). Rows are never overwritten: the primary key is ``generation << 32 | chunk id``
and every row carries the index generation that wrote it. A reader of generation L searches
``gen <= L`` and keeps, per chunk, the row of the highest generation, so rows of an update that is
still running (or crashed before its manifest) are never seen, and rows an update replaced are ignored
until they are deleted (:mod:`index.milvus_sync` has the whole protocol).

A one-row collection beside it (``<name>_quotebot_state``) says which embedder and dimension it holds,
the average paragraph length its BM25 vectors were normalised with, and the last generation whose rows
were all written (milvus-lite does not implement collection properties).

Notes from the spike (benchmarks/milvus_spike.py): milvus-lite 2.5 has the C++ engine but only FLAT
and IVF_FLAT, so a file uses FLAT and a server HNSW with the local index's parameters; filter
templates fail, so values are escaped into the filter text; a collection comes back unloaded after a
restart; one process at a time may open a milvus-lite file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import BackendError
from index.retrieval import ChunkEntry, Hit, Within
from index.sparse import PLACEHOLDER, SparseVector
from index.vectors import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M

INSTALL_HINT = "install it with pip install 'quotebot[milvus]'"
# Milvus answers at most this many hits per search, and takes filters of bounded length.
MAX_LIMIT = 16_384
BATCH = 1_000
ARTICLE_ID_CHARS = 1_024
GENERATION_SHIFT = 32
STATE_SUFFIX = "quotebot_state"


def is_server(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "tcp://", "grpc://"))


def check_uri(uri: str) -> None:
    """A server address, or a milvus-lite file whose name ends in .db (pymilvus tells them apart by it)."""
    if not is_server(uri) and not uri.endswith(".db"):
        raise BackendError(
            f"milvus.uri '{uri}' is neither a server address (http://host:19530) nor a milvus-lite file ending in .db."
        )


def escape(value: str) -> str:
    """A string literal for a Milvus filter (filter templates do not work: see the module docstring)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def row_key(generation: int, chunk_id: int) -> int:
    return (generation << GENERATION_SHIFT) | chunk_id


@dataclass(frozen=True)
class Properties:
    """What a collection holds (stored as one JSON property)."""

    embedder: str
    dim: int
    avgdl: float = 0.0
    # The last generation whose rows were all written; 0 when none was.
    written: int = 0

    def to_text(self) -> str:
        return json.dumps(vars(self), ensure_ascii=False)

    @staticmethod
    def from_text(text: str) -> Properties:
        raw = json.loads(text)
        return Properties(str(raw["embedder"]), int(raw["dim"]), float(raw["avgdl"]), int(raw["written"]))


def _pymilvus() -> Any:
    try:
        import pymilvus
    except ImportError as exc:
        raise BackendError(f"The Milvus backend needs pymilvus, which is not installed; {INSTALL_HINT}.") from exc
    return pymilvus


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """pymilvus logs its own line on a failed connection: the one-line error is ours. (pymilvus gives its
    client logger a level of its own, so the parent's is not enough.)"""
    logs = [logging.getLogger(name) for name in ("pymilvus", "pymilvus.milvus_client")]
    levels = [log.level for log in logs]
    for log in logs:
        log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for log, level in zip(logs, levels, strict=True):
            log.setLevel(level)


def _check_lite_file(db_file: Path) -> None:
    """milvus-lite is installed, and no other process has ``db_file`` open.

    Checked before opening: milvus-lite's own refusal deletes the other process's lock file on its way
    out, after which a third process could open the file beside the first.
    """
    try:
        from milvus_lite.server_manager import server_manager_instance
    except ImportError as exc:
        raise BackendError(
            f"milvus.uri '{db_file}' is a milvus-lite file, and milvus-lite is not installed; {INSTALL_HINT}."
        ) from exc
    db_file.parent.mkdir(parents=True, exist_ok=True)
    if str(db_file.absolute().resolve()) in getattr(server_manager_instance, "_servers", {}):
        return  # this process has it open already, and shares that server
    lock = db_file.parent / f".{db_file.name}.lock"
    if not lock.exists():
        return
    # This process holds no lock on the file (see above), so closing this descriptor releases none of ours.
    with lock.open("a") as fh:
        try:
            fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BackendError(
                f"The milvus-lite file {db_file} is open in another process; milvus-lite serves one process, so "
                "several processes need a Milvus server (milvus.uri: http://host:19530)."
            ) from None
        fcntl.lockf(fh, fcntl.LOCK_UN)


def connect(uri: str, timeout: float = 10.0) -> Any:
    """A MilvusClient for ``uri``, or a one-line :class:`BackendError` saying why there is none."""
    check_uri(uri)
    pymilvus = _pymilvus()
    if not is_server(uri):
        _check_lite_file(Path(uri))
    try:
        with _quiet():
            return pymilvus.MilvusClient(uri=uri, timeout=timeout)
    except pymilvus.exceptions.MilvusException as exc:
        where = f"the Milvus server at {uri}" if is_server(uri) else f"the milvus-lite file {uri}"
        raise BackendError(f"Cannot open {where} ({getattr(exc, 'message', exc)}).") from exc


class MilvusRetrieval:
    """One collection of chunk rows; searches see generations up to :attr:`generation` (see the module)."""

    def __init__(self, client: Any, uri: str, collection: str, embedder: str, dim: int) -> None:
        self.client = client
        self.uri = uri
        self.collection = collection
        self.embedder = embedder
        self.dim = dim
        # Rows are written with, and searches see up to, this generation.
        self.generation = 0

    @staticmethod
    def open(uri: str, collection: str, embedder: str, dim: int) -> MilvusRetrieval:
        """Connect, create the collection when it is missing, refuse one of another embedder, load it."""
        backend = MilvusRetrieval(connect(uri), uri, collection, embedder, dim)
        backend._ensure_collection()
        return backend

    def at(self, generation: int) -> MilvusRetrieval:
        """The same collection and connection, seeing (and writing) ``generation``."""
        view = MilvusRetrieval(self.client, self.uri, self.collection, self.embedder, self.dim)
        view.generation = generation
        return view

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()

    # -- the collection ------------------------------------------------------------------------

    def _ensure_collection(self) -> None:
        pymilvus = _pymilvus()
        try:
            if not self.client.has_collection(self.collection):
                self._create()
            if self.client.has_collection(self.state_collection):
                # Collections come back unloaded when the server (or the lite file) is opened again.
                self.client.load_collection(self.state_collection)
            found = self.properties()
            if found is None:
                raise BackendError(
                    f"The Milvus collection '{self.collection}' at {self.uri} was not made by QuoteBot; set "
                    "milvus.collection to another name."
                )
            if found.embedder != self.embedder or found.dim != self.dim:
                raise BackendError(
                    f"The Milvus collection '{self.collection}' at {self.uri} holds vectors of embedder "
                    f"'{found.embedder}' (dim {found.dim}), but the config uses '{self.embedder}' (dim {self.dim}); "
                    "set milvus.collection to another name, or drop that collection and rebuild."
                )
            self.client.load_collection(self.collection)
        except pymilvus.exceptions.MilvusException as exc:
            raise BackendError(
                f"The Milvus collection '{self.collection}' at {self.uri} cannot be used "
                f"({getattr(exc, 'message', exc)})."
            ) from exc

    def _create(self) -> None:
        from pymilvus import DataType

        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("key", DataType.INT64, is_primary=True)
        schema.add_field("chunk", DataType.INT64)
        schema.add_field("gen", DataType.INT64)
        schema.add_field("article", DataType.VARCHAR, max_length=ARTICLE_ID_CHARS)
        schema.add_field("paragraph", DataType.INT64)
        schema.add_field("head", DataType.INT64)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=self.dim)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        params = self.client.prepare_index_params()
        if is_server(self.uri):
            params.add_index(field_name="dense", index_type="HNSW", metric_type="IP",
                             params={"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION})
        else:
            params.add_index(field_name="dense", index_type="FLAT", metric_type="IP")
        params.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        # Strong consistency: a search right after a write must see it (the commit protocol relies on it).
        self.client.create_collection(self.collection, schema=schema, index_params=params,
                                      consistency_level="Strong")
        if not self.client.has_collection(self.state_collection):
            self._create_state()
        self.set_properties(Properties(self.embedder, self.dim))

    @property
    def state_collection(self) -> str:
        return f"{self.collection}_{STATE_SUFFIX}"

    def _create_state(self) -> None:
        from pymilvus import DataType

        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("value", DataType.VARCHAR, max_length=4096)
        schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
        params = self.client.prepare_index_params()
        params.add_index(field_name="unused", index_type="FLAT", metric_type="L2")
        self.client.create_collection(self.state_collection, schema=schema, index_params=params,
                                      consistency_level="Strong")

    def properties(self) -> Properties | None:
        """What the collection holds; None for a collection QuoteBot did not make."""
        if not self.client.has_collection(self.state_collection):
            return None
        rows = self.client.query(self.state_collection, filter="id == 0", output_fields=["value"])
        if not rows:
            return None
        try:
            return Properties.from_text(str(rows[0]["value"]))
        except (ValueError, KeyError, TypeError):
            return None

    def set_properties(self, properties: Properties) -> None:
        # milvus-lite does not implement collection properties (alter_collection_properties): a one-row
        # collection beside it holds them.
        self.client.upsert(self.state_collection, [{"id": 0, "value": properties.to_text(), "unused": [0.0, 0.0]}])

    # -- the retrieval interface ----------------------------------------------------------------

    def add(self, chunks: Sequence[ChunkEntry]) -> None:
        """Write ``chunks`` as rows of :attr:`generation` (an existing row of that generation is replaced)."""
        for start in range(0, len(chunks), BATCH):
            rows = [
                {
                    "key": row_key(self.generation, c.chunk_id),
                    "chunk": c.chunk_id,
                    "gen": self.generation,
                    "article": c.article_id,
                    "paragraph": c.paragraph,
                    "head": c.head,
                    "dense": np.asarray(c.vector, dtype=np.float32).tolist(),
                    "sparse": c.sparse or PLACEHOLDER,
                }
                for c in chunks[start : start + BATCH]
            ]
            self.client.upsert(self.collection, rows)

    def delete_articles(self, article_ids: Sequence[str]) -> None:
        for start in range(0, len(article_ids), BATCH):
            names = ", ".join(escape(a) for a in article_ids[start : start + BATCH])
            self.delete_where(f"article in [{names}]")

    def delete_where(self, expression: str) -> None:
        self.client.delete(self.collection, filter=expression)

    def delete_chunks(self, chunk_ids: Iterable[int], below: int) -> None:
        """Delete the rows of ``chunk_ids`` written before generation ``below``."""
        ids = sorted(set(chunk_ids))
        for start in range(0, len(ids), BATCH):
            listed = ", ".join(str(i) for i in ids[start : start + BATCH])
            self.delete_where(f"gen < {below} and chunk in [{listed}]")

    def dense(self, vector: np.ndarray, k: int, within: Within | None = None) -> list[Hit]:
        params = {"metric_type": "IP", "params": {"ef": max(HNSW_EF_SEARCH, k)} if is_server(self.uri) else {}}
        return self._search(np.asarray(vector, dtype=np.float32).tolist(), "dense", params, k, within)

    def sparse(self, query: SparseVector, k: int, within: Within | None = None) -> list[Hit]:
        if not query:
            return []
        params = {"metric_type": "IP", "params": {"drop_ratio_search": 0.0}}
        # Only a paragraph's head row holds its terms; the others hold an id no question asks for.
        hits = self._search(dict(query), "sparse", params, k, within)
        return [h for h in hits if h.score > 0]

    def count(self) -> int:
        rows = self.client.query(self.collection, filter=self._filter(None), output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def _filter(self, within: Within | None) -> str:
        parts = [f"gen <= {self.generation}"]
        if within is not None and within.articles is not None:
            parts.append(f"article in [{', '.join(escape(a) for a in sorted(within.articles))}]")
        if within is not None and within.heads is not None:
            parts.append(f"head in [{', '.join(str(h) for h in sorted(within.heads))}]")
        return " and ".join(parts)

    def _search(self, query: Any, field: str, params: dict[str, Any], k: int, within: Within | None) -> list[Hit]:
        if k <= 0 or (within is not None and (within.articles == frozenset() or within.heads == frozenset())):
            return []
        # Rows an update replaced may still be there (until it deletes them): ask for a few more.
        limit = min(k + 16, MAX_LIMIT)
        found = self.client.search(
            self.collection, [query], anns_field=field, limit=limit, search_params=params,
            filter=self._filter(within), output_fields=["chunk", "gen", "article", "paragraph"],
        )
        best: dict[int, tuple[int, Hit]] = {}
        for row in found[0]:
            entity = row["entity"]
            chunk, gen = int(entity["chunk"]), int(entity["gen"])
            if chunk not in best or best[chunk][0] < gen:
                hit = Hit(chunk, str(entity["article"]), int(entity["paragraph"]), float(row["distance"]))
                best[chunk] = (gen, hit)
        hits = sorted((hit for _, hit in best.values()), key=lambda h: (-h.score, h.chunk_id))
        return hits[:k]
