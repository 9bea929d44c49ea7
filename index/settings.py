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
    # Embed the simplified-script text: the bundled model matches traditional Chinese less well.
    simplify_for_embedding: bool = True
