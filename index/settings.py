"""An engine's parameters and their defaults: the one place a default is defined.

The bot's configuration (``bot/config.py``) takes its defaults from here and maps config.yaml onto
:class:`EngineSettings`; the index code takes these plain typed values, never the config object.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# How many quotes an answer shows.
TOP_K = 3
# Below this confidence (0..1) an answer is "not found": 0.5 refuses 90% of the questions the CMRC 2018
# and DRCD dev sets do not answer, and under 2% of those they do (benchmarks/README.md).
THRESHOLD = 0.5
# Weight of dense (meaning) similarity against BM25 when ranking, from 0 to 1.
DENSE_WEIGHT = 0.45
# How many candidates each retriever passes to fusion.
CANDIDATES = 50
# A chunk is whole sentences of one paragraph, about this many characters, never more than the maximum
# unless one sentence alone is longer.
CHUNK_TARGET = 50
CHUNK_MAX = 200
# Longer questions are pasted text, not questions; they never reach the searcher.
MAX_QUESTION_CHARS = 500
# No quote is longer: a statement spanning a long paragraph is cut to its leading whole sentences.
MAX_QUOTE_CHARS = 300

# Where chunk vectors and BM25 vectors are searched: "local" (FAISS and BM25 in this process) or "milvus"
# (a Milvus server, or a milvus-lite file; index/milvus_backend.py).
BACKEND = "local"
MILVUS_COLLECTION = "quotebot"

# Ingestion limits. Past them a file, a page or a build is refused with a sentence instead of taking
# hours: the bundled model embeds about 1,000 characters a second, so 500,000 characters are minutes.
# A file of more bytes is not read at all (a fetched link is cut off at the same size).
MAX_FILE_MB = 20.0
# Characters of text in one file, before cleaning (a newspaper page of several articles counts whole).
MAX_ARTICLE_CHARS = 500_000
# A longer paragraph is split at sentence ends: a pasted text without blank lines is not one paragraph.
MAX_PARAGRAPH_CHARS = 2_000
# HTML elements of one page: main-text extraction grows faster than linearly with them, and the
# largest of 68 real portal pages measured has about 6,700 (benchmarks/README.md).
MAX_PAGE_ELEMENTS = 30_000
# Article files one build or add reads; a larger archive goes in folder by folder.
MAX_FILES = 20_000


@dataclass(frozen=True)
class IngestLimits:
    """How much one file, page or build may hold (see the constants above)."""

    max_file_bytes: int = int(MAX_FILE_MB * 1024 * 1024)
    max_article_chars: int = MAX_ARTICLE_CHARS
    max_paragraph_chars: int = MAX_PARAGRAPH_CHARS
    max_page_elements: int = MAX_PAGE_ELEMENTS
    max_files: int = MAX_FILES


DEFAULT_LIMITS = IngestLimits()


@dataclass(frozen=True)
class EngineSettings:
    """Plain typed parameters of an engine (the bot maps its config onto these)."""

    index_dir: Path
    cache_dir: Path
    articles_dir: Path
    # The config file, which an index path must never be or contain (nor the articles folder).
    config_file: Path | None = None
    chunk_target: int = CHUNK_TARGET
    chunk_max: int = CHUNK_MAX
    threshold: float = THRESHOLD
    dense_weight: float = DENSE_WEIGHT
    candidates: int = CANDIDATES
    max_question_chars: int = MAX_QUESTION_CHARS
    max_quote_chars: int = MAX_QUOTE_CHARS
    limits: IngestLimits = DEFAULT_LIMITS
    # Refuse a passage whose article never names the place, organisation, owner noun or numbered series
    # the question opens with (index/anchors.py). On the news dev set it refuses 3 more of 35 questions
    # that must be "not found"; it would refuse 0.1% (CMRC 2018) and 0.3% (DRCD) of answerable
    # questions on their own article (benchmarks/anchors.py, benchmarks/README.md).
    refuse_unanchored: bool = True
    # Embed the simplified-script text: the bundled model matches traditional Chinese less well.
    simplify_for_embedding: bool = True
    # "local" or "milvus"; with milvus, a server address (http://host:19530) or a milvus-lite file (*.db).
    backend: str = BACKEND
    milvus_uri: str = ""
    milvus_collection: str = MILVUS_COLLECTION
