"""Files → clean articles with stable ids: finding article files, naming them, cleaning them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from index.cleaning import clean_document
from index.errors import ArticleError, TooManyFilesError
from index.loading import SUPPORTED_SUFFIXES, SourceDocument, read_bytes, read_document
from index.records import CleanArticle, text_hash
from index.settings import DEFAULT_LIMITS, IngestLimits

# Telegram callback data holds 64 bytes: ids stay short and ASCII.
MAX_ID = 40


def collect_files(paths: Iterable[Path], max_files: int | None = None) -> list[Path]:
    """Article files under ``paths`` (files as given, folders searched recursively), sorted, unique.

    More than ``max_files`` is refused before any is read (:class:`TooManyFilesError`).
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
            )
        elif path.exists():
            found.append(path)
        else:
            raise ArticleError(f"{path}: no such file or folder.")
    unique: dict[Path, Path] = {}
    for p in found:
        unique.setdefault(p.resolve(), p)
    if max_files is not None and len(unique) > max_files:
        named = ", ".join(str(p) for p in paths)
        raise TooManyFilesError(
            f"{named} holds {len(unique):,} article files; one build or add reads at most {max_files:,}. "
            "Add the archive folder by folder, or raise the limit."
        )
    return list(unique.values())


def base_id(path: Path) -> str:
    """A stable, short, ASCII id from the file name; non-ASCII names get a hash of the name."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:MAX_ID - 8]
    if len(slug) < 3:
        slug = (slug + "-" if slug else "a-") + hashlib.sha1(path.name.encode("utf-8")).hexdigest()[:8]
    return slug


def unique_base_id(path: Path, taken: dict[str, str]) -> str:
    """``base_id``, made unique against ``taken`` (id → source) by a hash of the full path."""
    candidate = base_id(path)
    source = str(path.resolve())
    owner = taken.get(candidate)
    if owner is None or owner == source:
        return candidate
    return f"{candidate[:MAX_ID - 15]}-{hashlib.sha1(source.encode('utf-8')).hexdigest()[:6]}"


def article_id(base: str, k: int) -> str:
    """The k-th article of a file (a newspaper page may hold several)."""
    return base if k == 0 else f"{base}-{k + 1}"


def url_base_id(url: str) -> str:
    """A stable, short, ASCII id for a link: its host and last path segment, plus a hash of the whole URL."""
    parts = urlsplit(url)
    host = (parts.hostname or "link").removeprefix("www.").split(".")[0]
    tail = [segment for segment in parts.path.split("/") if segment][-1:] or ["index"]
    slug = re.sub(r"[^a-z0-9]+", "-", f"{host}-{Path(tail[0]).stem}".lower()).strip("-")[:MAX_ID - 9]
    return f"{slug}-{hashlib.sha1(url.encode('utf-8')).hexdigest()[:6]}"


def load_articles(path: Path, base: str, limits: IngestLimits = DEFAULT_LIMITS) -> list[CleanArticle]:
    """Load and clean one file; raises :class:`ArticleError` naming the file."""
    return _cleaned(read_document(path, limits), base, path.stem, limits)


def load_bytes(data: bytes, name: str, base: str, url: str | None = None,
               content_type: str | None = None, limits: IngestLimits = DEFAULT_LIMITS) -> list[CleanArticle]:
    """Load and clean an article that came as bytes (a fetched link, an upload); ``name``'s suffix gives its type."""
    path = Path(name)
    return _cleaned(read_bytes(data, path, url=url, content_type=content_type, limits=limits), base, path.stem, limits)


def _cleaned(document: SourceDocument, base: str, fallback_name: str, limits: IngestLimits) -> list[CleanArticle]:
    articles = clean_document(document, lambda k: article_id(base, k), fallback_name, limits.max_paragraph_chars)
    if not articles:
        raise ArticleError(f"{document.path}: no article text was found after removing captions and bylines.")
    return articles


def article_hash(article: CleanArticle) -> str:
    digest = hashlib.sha256()
    # Metadata counts only when there is some, so articles without any keep the hashes they had.
    metadata = [article.date, article.outlet, article.author, article.url]
    extra = [m or "" for m in metadata] if any(metadata) else []
    for part in (article.title, article.text, *[p.section or "" for p in article.paragraphs], *extra):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def content_hash(article: CleanArticle) -> str:
    """The hash of what an article says (title and text), whatever its link or metadata: a re-post matches."""
    return text_hash(article.title, article.text)
