"""What the engine does differently per retrieval backend (``EngineSettings.backend``).

The engine calls three hooks: which backend searches a loaded snapshot, the base of an update (what
the backend holds before it), and the commit around :func:`index.store.save`. The local backend needs
none of them: its vectors and BM25 are the index files themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index import directory
from index.errors import BackendError, IndexStoreError
from index.manifest import read_manifest
from index.retrieval import Retrieval
from index.snapshot import IndexData

BACKENDS = ("local", "milvus")


class LocalBackend:
    """Vectors and BM25 live in the index directory and in this process."""

    def for_snapshot(self, data: IndexData) -> Retrieval | None:
        return None

    def remember(self, data: IndexData) -> None:
        pass

    def commit(self, index_dir: Path, data: IndexData, save: Callable[[], int]) -> int:
        return save()

    def close(self) -> None:
        pass


class MilvusBackend:
    """Vectors and BM25 vectors in a Milvus collection, kept in step with the generations on disk."""

    def __init__(self, uri: str, collection: str, embedder: str, dim: int) -> None:
        from index.milvus_backend import MilvusRetrieval

        self.store = MilvusRetrieval.open(uri, collection, embedder, dim)
        # What the collection holds of one generation: an update's diff is taken against it.
        self._base: tuple[int, dict[str, list[int]]] | None = None

    def for_snapshot(self, data: IndexData) -> Retrieval | None:
        from index.milvus_sync import check_holds

        check_holds(self.store, data.generation)
        return self.store.at(data.generation)

    def remember(self, data: IndexData) -> None:
        """``data`` is an update's copy of the live generation, before any change."""
        from index.milvus_sync import snapshot

        self._base = (data.generation, snapshot(data))

    def commit(self, index_dir: Path, data: IndexData, save: Callable[[], int]) -> int:
        from index.milvus_sync import finish, write

        try:
            live = read_manifest(index_dir).generation
        except IndexStoreError:
            live = 0  # no index yet, or a damaged one a rebuild replaces: everything is written again
        # A base of another generation (another process committed since) says nothing: write everything.
        base = self._base[1] if self._base is not None and self._base[0] == live else None
        self._base = None
        generation = directory.next_generation(index_dir)
        pending = write(self.store, data, live, generation, base)
        saved = save()
        if saved != generation:
            raise BackendError(
                f"The index at {index_dir} saved generation {saved} while Milvus received {generation}; "
                "rebuild it with 'quotebot index build'."
            )
        finish(self.store, pending)
        return saved

    def close(self) -> None:
        self.store.close()


Backend = LocalBackend | MilvusBackend


def open_backend(kind: str, uri: str, collection: str, embedder: str, dim: int) -> Backend:
    if kind == "local":
        return LocalBackend()
    if kind == "milvus":
        if not uri:
            raise BackendError(
                "backend is 'milvus' but milvus.uri is empty; set it to http://host:19530 or to a .db file."
            )
        return MilvusBackend(uri, collection, embedder, dim)
    raise BackendError(f"backend '{kind}' is not known; use one of: {', '.join(BACKENDS)}.")
