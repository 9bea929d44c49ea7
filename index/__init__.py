"""Turn Chinese news articles into a searchable index, and questions into verbatim quotes.

This is the package's interface: open a :class:`QuoteEngine` with :class:`EngineSettings` and an
embedder, ``ask`` it, and read the :class:`Page` of quotes or the :class:`NotFound` it returns. The
results carry data, never sentences: user-facing text is the caller's (``bot.i18n``). This package
never imports ``bot``, and takes plain typed arguments, not the bot's config.
"""

from index.embedders import Embedder, make_embedder
from index.engine import CursorError, QuoteEngine
from index.errors import (
    ArticleError,
    BackendError,
    BuildRefusedError,
    EmbedderError,
    IndexCorruptError,
    IndexLocationError,
    IndexMismatchError,
    IndexMissingError,
    IndexStoreError,
    QuoteBotError,
    UnknownArticleError,
)
from index.indexing import IndexReport, Progress
from index.records import ArticleInfo, Paragraph, Quote, Speaker
from index.results import Answer, Mention, NotFound, Page, Reason
from index.settings import EngineSettings

__all__ = [
    "Answer",
    "ArticleError",
    "ArticleInfo",
    "BackendError",
    "BuildRefusedError",
    "CursorError",
    "Embedder",
    "EmbedderError",
    "EngineSettings",
    "IndexCorruptError",
    "IndexLocationError",
    "IndexMismatchError",
    "IndexMissingError",
    "IndexReport",
    "IndexStoreError",
    "Mention",
    "NotFound",
    "Page",
    "Paragraph",
    "Progress",
    "QuoteBotError",
    "QuoteEngine",
    "Quote",
    "Reason",
    "Speaker",
    "UnknownArticleError",
    "make_embedder",
]
