"""Admins feed the bot from the chat: uploads, /articles, /remove, /reload, /stats.

Replies never show a server path: a file is named by its own name (:func:`public`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import secrets
import time
from pathlib import Path

import httpx
from telegram import Update
from telegram.constants import FileSizeLimit
from telegram.error import TelegramError

from bot import i18n, render
from bot.telegram.addressing import command_argument, language, reply_place, user_id
from bot.telegram.context import BotData, Context, Report
from index import ArticleInfo
from index.errors import BuildRefusedError, QuoteBotError, UnknownArticleError
from index.loading import SUPPORTED_SUFFIXES

log = logging.getLogger(__name__)

# Telegram's getFile refuses files over 20 MB, whatever the config says.
TELEGRAM_DOWNLOAD_LIMIT = int(FileSizeLimit.FILESIZE_DOWNLOAD)
_ABSOLUTE_PATH = re.compile(r"(?<![\w:/.])(?:[A-Za-z]:)?[\\/](?:[^\s\\/:;,'\"()]+[\\/])+([^\s\\/:;,'\"()]+)")


def public(text: str, private: list[str]) -> str:
    """``text`` with the server's paths cut down to the file names they end in."""
    for root in sorted(private, key=len, reverse=True):
        text = text.replace(root.rstrip("/") + "/", "").replace(root, "")
    return _ABSOLUTE_PATH.sub(lambda m: m.group(1), text)


async def admin_only(update: Update, context: Context) -> bool:
    """True for admins; anyone else gets a polite refusal."""
    if context.bot_data.access.is_admin(user_id(update)):
        return True
    if update.effective_message is not None:
        text = i18n.text(language(update), "admins_only")
        await context.bot_data.sender.send(reply_place(update.effective_message), [text])
    return False


def save_upload(folder: Path, original_name: str, suffix: str, data: bytes) -> Path:
    """Write an upload under a name made from its content; the sender's name is only a sanitised label.

    The same bytes sent twice land on the same file, hence the same article id, and the engine reports
    them unchanged instead of indexing a duplicate.
    """
    label = re.sub(r"[^a-z0-9]+", "-", Path(original_name).stem.lower()).strip("-")[:40] or "upload"
    name = f"{label}-{hashlib.sha256(data).hexdigest()[:10]}{suffix}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    # A rebuild scanning the folder must never see half a file: write aside (dot files are skipped),
    # then rename into place.
    partial = folder / f".{name}.{secrets.token_hex(4)}.part"
    try:
        partial.write_bytes(data)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def retire_file(data: BotData, removed: ArticleInfo) -> Path | None:
    """Hide the removed article's file from later rebuilds, if it lies in the articles folder alone.

    The file is renamed to a dot file, which rebuilds skip, rather than deleted: renaming it back
    restores the article. A file that holds other indexed articles, or lies elsewhere, stays as it is.
    """
    source = Path(removed.source)
    folder = data.engine.articles_dir.resolve()
    if not source.is_file() or folder not in source.resolve().parents:
        return None
    if any(Path(a.source) == source for a in data.engine.articles()):
        return None
    hidden = source.with_name(f".{source.name}.removed")
    os.replace(source, hidden)
    return hidden


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


async def upload(update: Update, context: Context) -> None:
    """Add an article an admin sends as a document; check type and size before and after downloading it."""
    message = update.message
    if message is None or message.document is None or not await admin_only(update, context):
        return
    data, lang, document = context.bot_data, language(update), message.document
    sender, where = data.sender, reply_place(message)
    name = document.file_name or ""
    suffix = Path(name).suffix.lower()
    limit = min(data.limits.upload_bytes, TELEGRAM_DOWNLOAD_LIMIT)
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = "、".join(SUPPORTED_SUFFIXES) if lang == "zh" else ", ".join(SUPPORTED_SUFFIXES)
        text = i18n.text(lang, "upload_type", name=name or document.mime_type or "?", kinds=kinds)
        await sender.send(where, [text])
        return
    if document.file_size is not None and document.file_size > limit:
        await sender.send(where, [i18n.text(lang, "upload_size", size=_mb(document.file_size), limit=_mb(limit))])
        return
    if document.file_size == 0:
        await sender.send(where, [i18n.text(lang, "upload_empty")])
        return
    _, progress = await sender.send(where, [i18n.text(lang, "busy")])
    if progress is None:
        return
    try:
        telegram_file = await document.get_file()
        if telegram_file.file_size is not None and telegram_file.file_size > limit:
            too_big = i18n.text(lang, "upload_size", size=_mb(telegram_file.file_size), limit=_mb(limit))
            await sender.edit(progress, [too_big], where)
            return
        raw = bytes(await telegram_file.download_as_bytearray())
    except (TelegramError, httpx.HTTPError, OSError) as exc:
        log.warning("Downloading %r failed: %s", name, exc)
        await sender.edit(progress, [i18n.text(lang, "upload_download_failed", name=name)], where)
        return
    if len(raw) > limit or not raw:
        key = "upload_empty" if not raw else "upload_size"
        await sender.edit(progress, [i18n.text(lang, key, size=_mb(len(raw)), limit=_mb(limit))], where)
        return
    private = data.private_paths
    try:
        path = await asyncio.to_thread(save_upload, data.engine.articles_dir, name, suffix, raw)
        async with data.index_lock:
            report = await asyncio.to_thread(data.engine.add_files, [path])
    except (QuoteBotError, OSError) as exc:
        log.warning("Adding %r failed: %s", name, exc)
        reason = public(str(exc), private)
        await sender.edit(progress, [i18n.text(lang, "upload_failed", name=name, reason=reason)], where)
        return
    if report.failed and not report.added:
        # A file the index cannot read would fail every later rebuild too: do not keep it.
        await asyncio.to_thread(path.unlink, missing_ok=True)
    lines = report_lines(report, lang, name, private) or [i18n.text(lang, "upload_nothing")]
    await sender.edit(progress, render.pack(lines, separator="\n"), where)


def report_lines(report: Report, lang: str, name: str | None, private: list[str]) -> list[str]:
    """What an update did; a failure names the file the admin knows (``name``), never a server path."""
    lines = []
    for info in report.added:
        lines.append(i18n.text(lang, "upload_added", title=info.title, id=info.article_id,
                               sections=len(info.sections), chunks=info.chunks))  # fmt: skip
        if info.sections:
            separator = "、" if lang == "zh" else ", "
            lines.append(i18n.text(lang, "upload_sections", names=separator.join(info.sections)))
    for info in report.unchanged:
        lines.append(i18n.text(lang, "upload_unchanged", title=info.title))
    for path, reason in report.failed:
        shown = name or Path(path).name
        # The engine's reasons start with the path; the file's own name says the same to the admin.
        reason = public(reason, private + [path]).lstrip(": ")
        lines.append(i18n.text(lang, "upload_failed", name=shown, reason=reason))
    return lines


async def articles_command(update: Update, context: Context) -> None:
    """List the indexed articles with their ids and deep links (admins)."""
    if update.effective_message is None or not await admin_only(update, context):
        return
    articles = await asyncio.to_thread(context.bot_data.engine.articles)
    chunks = render.render_articles(articles, language(update), context.bot.username)
    await context.bot_data.sender.send(reply_place(update.effective_message), chunks)


async def remove_command(update: Update, context: Context) -> None:
    """Remove one article from the index: /remove <id> (admins)."""
    if update.message is None or not await admin_only(update, context):
        return
    data, lang, where = context.bot_data, language(update), reply_place(update.message)
    article_id = command_argument(update.message)
    if not article_id:
        await data.sender.send(where, [i18n.text(lang, "remove_usage")])
        return
    try:
        async with data.index_lock:
            info = await asyncio.to_thread(data.engine.remove, article_id)
            hidden = await asyncio.to_thread(retire_file, data, info)
    except UnknownArticleError:
        await data.sender.send(where, [i18n.text(lang, "remove_unknown", id=article_id[:100])])
        return
    lines = [i18n.text(lang, "removed", title=info.title, id=info.article_id)]
    if hidden is not None:
        lines.append(i18n.text(lang, "removed_file", name=hidden.name))
    else:
        lines.append(i18n.text(lang, "removed_kept"))
    await data.sender.send(where, render.pack(lines, separator="\n"))


async def reload_command(update: Update, context: Context) -> None:
    """Rebuild the index from the articles folder while questions go on being answered (admins)."""
    if update.message is None or not await admin_only(update, context):
        return
    data, lang, where = context.bot_data, language(update), reply_place(update.message)
    _, progress = await data.sender.send(where, [i18n.text(lang, "busy")])
    if progress is None:
        return
    try:
        async with data.index_lock:
            report = await asyncio.to_thread(data.engine.rebuild)
    except BuildRefusedError as exc:
        refused = i18n.text(lang, "reload_refused", indexed=exc.indexed, found=exc.found)
        await data.sender.edit(progress, [refused], where)
        return
    except (QuoteBotError, OSError) as exc:
        log.warning("Rebuilding the index failed: %s", exc)
        reason = public(str(exc), data.private_paths)
        await data.sender.edit(progress, [i18n.text(lang, "reload_error", reason=reason)], where)
        return
    counts = await asyncio.to_thread(data.engine.stats)
    data.metrics.generation.set(counts.get("generation", 0))
    lines = [i18n.text(lang, "reloaded", articles=counts.get("articles", 0), chunks=counts.get("chunks", 0),
                       embedded=report.embedded_chunks)]  # fmt: skip
    if report.failed:
        lines.append(i18n.text(lang, "reload_failed", n=len(report.failed)))
        lines += report_lines(FailuresOnly(report), lang, None, data.private_paths)
    await data.sender.edit(progress, render.pack(lines, separator="\n"), where)


class FailuresOnly:
    """A report's failures alone, to list them under a rebuild's summary."""

    def __init__(self, report: Report) -> None:
        self.added: list[ArticleInfo] = []
        self.unchanged: list[ArticleInfo] = []
        self.failed = report.failed
        self.embedded_chunks = 0


async def stats_command(update: Update, context: Context) -> None:
    """Show index counts, uptime, questions answered and dropped sends (admins)."""
    if update.effective_message is None or not await admin_only(update, context):
        return
    data, lang = context.bot_data, language(update)
    counts = dict(await asyncio.to_thread(data.engine.stats))
    metrics = data.metrics
    dropped = sum(
        sample.value
        for family in metrics.dropped.collect()
        for sample in family.samples
        if sample.name.endswith("_total")
    )
    lines = [
        i18n.text(lang, "stats", articles=counts.get("articles", 0), chunks=counts.get("chunks", 0),
                  uptime=render.duration(time.monotonic() - data.started, lang), questions=data.questions),
        i18n.text(lang, "stats_more", generation=counts.get("generation", 0),
                  busy=int(metrics.value("quotebot_questions_total", outcome="busy")), dropped=int(dropped)),
    ]  # fmt: skip
    await data.sender.send(reply_place(update.effective_message), render.pack(lines, separator="\n"))
