"""The exceptions the index raises.

Every message is a whole sentence that names the bad value and, where there is one, what to do.
The CLI and the bot catch :class:`QuoteBotError` once, at their edge, and print the message alone.

    QuoteBotError
    ├── ArticleError          an article file that cannot be read (empty, undecodable, unsupported type)
    ├── EmbedderError         an embedding model that cannot be loaded or used
    ├── IndexStoreError       an index directory that cannot be read or written
    │   ├── IndexMissingError     no index there yet
    │   ├── IndexLocationError    a folder QuoteBot must not use for an index (foreign files, articles)
    │   ├── IndexMismatchError    built with another embedder or format: rebuild it
    │   └── IndexCorruptError     a damaged manifest, or a file that does not match its checksum
    ├── BuildRefusedError     a rebuild that would drop most or all of the indexed articles
    ├── TooManyFilesError     more article files than one build or add may read
    ├── UnknownArticleError   an article id that is not in the index
    ├── FetchError            a link that cannot be fetched (unreachable, 404, not a page, too large, slow)
    └── FeedError             a feed that is not XML, not RSS/Atom, or unsafe XML
"""

from __future__ import annotations


class QuoteBotError(Exception):
    """Base class: anything a user can cause and fix."""


class ArticleError(QuoteBotError):
    """An article file could not be loaded."""


class EmbedderError(QuoteBotError):
    """The embedding model could not be loaded or used."""


class IndexStoreError(QuoteBotError):
    """The index directory could not be read or written."""


class IndexMissingError(IndexStoreError):
    """There is no index in the directory yet."""


class IndexLocationError(IndexStoreError):
    """The configured index directory is one QuoteBot must not write to."""


class IndexMismatchError(IndexStoreError):
    """The index was built by another embedder or format version."""


class BackendError(IndexStoreError):
    """The vector store (Milvus) is not installed, cannot be reached, or holds another index."""


class IndexCorruptError(IndexStoreError):
    """A file of the index does not match the checksum in its manifest."""


class BuildRefusedError(QuoteBotError):
    """A rebuild that would silently drop most or all of the indexed articles; nothing was changed."""

    def __init__(self, message: str, indexed: int, found: int) -> None:
        super().__init__(message)
        self.indexed = indexed
        self.found = found


class TooManyFilesError(QuoteBotError):
    """A build or add given more article files than the configured limit; nothing was read."""


class UnknownArticleError(QuoteBotError):
    """An article id that the index does not hold."""


class FetchError(QuoteBotError):
    """A link that could not be fetched: unreachable, an HTTP error, a type that cannot be read, too large."""


class FeedError(QuoteBotError):
    """A feed that could not be read: not XML, not RSS or Atom, or unsafe XML."""
