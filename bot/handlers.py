"""The bot's handlers: one small async function per command or kind of update.

Searching and indexing are CPU work, so every engine call goes through :func:`asyncio.to_thread`: one
slow question, or an admin's upload being embedded, never stalls the answers to everyone else.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import os
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, cast

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, InlineQueryLimit, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import i18n, render
from bot.access import Access, RateLimiter, Verdict
from bot.callbacks import CallbackStore, Context, More
from index import Answer, ArticleInfo, Page, Paragraph, Quote
from index.errors import BuildRefusedError, UnknownArticleError
from index.loading import SUPPORTED_SUFFIXES

log = logging.getLogger(__name__)

STATE_KEY = "quotebot"
# Questions are sentences; anything longer is a pasted text, not a question.
MAX_QUESTION_CHARS = 300
# Inline answers change when an admin adds an article, so Telegram may cache them only briefly.
INLINE_CACHE_SECONDS = 30
CONTEXT_BUTTONS_PER_ROW = 5


class Report(Protocol):
    """What the engine reports after adding files or rebuilding."""

    @property
    def added(self) -> Sequence[ArticleInfo]: ...
    @property
    def unchanged(self) -> Sequence[ArticleInfo]: ...
    @property
    def failed(self) -> Sequence[tuple[str, str]]: ...
    @property
    def embedded_chunks(self) -> int: ...


class Engine(Protocol):
    """The part of ``index.engine.QuoteEngine`` the bot uses; every method is thread-safe."""

    @property
    def articles_dir(self) -> Path: ...
    def ask(self, question: str, top_k: int = 3, cursor: str | None = None) -> Answer: ...
    def articles(self) -> list[ArticleInfo]: ...
    def paragraph(self, article_id: str, number: int) -> Paragraph | None: ...
    def add_files(self, paths: Sequence[Path]) -> Report: ...
    def remove(self, article_id: str) -> ArticleInfo: ...
    def rebuild(self, folders: Sequence[Path] | None = None, force: bool = False) -> Report: ...
    def stats(self) -> dict[str, int]: ...


@dataclass
class BotState:
    """Everything the handlers share, kept in ``application.bot_data``."""

    engine: Engine
    access: Access
    limiter: RateLimiter
    buttons: CallbackStore
    top_k: int
    inline_results: int
    max_upload_bytes: int
    started: float = field(default_factory=time.monotonic)
    questions: int = 0
    # Index changes run one at a time; questions never wait for this lock.
    index_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def state_of(application: Application) -> BotState:
    return cast(BotState, application.bot_data[STATE_KEY])


def state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    return state_of(context.application)


def _lang(update: Update) -> str:
    user = update.effective_user
    return i18n.language(user.language_code if user else None)


def _user_id(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


def _reply_target(message: Message) -> Message | None:
    # In groups an answer replies to the asker's message; in a private chat that would be clutter.
    return None if message.chat.type == ChatType.PRIVATE else message


async def _send_html(
    bot: Bot,
    chat_id: int,
    chunk: str,
    markup: InlineKeyboardMarkup | None = None,
    reply_to: Message | None = None,
) -> Message:
    """Send one HTML message; if Telegram cannot parse our markup after all, send its text plainly."""
    reply = ReplyParameters(reply_to.message_id, allow_sending_without_reply=True) if reply_to else None
    thread = reply_to.message_thread_id if reply_to is not None and reply_to.is_topic_message else None
    try:
        return await bot.send_message(
            chat_id,
            chunk,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            reply_parameters=reply,
            message_thread_id=thread,
        )
    except BadRequest as exc:
        if "can't parse entities" not in exc.message.lower():
            raise
        log.warning("Telegram rejected the markup of a reply (%s); sending it as plain text.", exc.message)
        return await bot.send_message(
            chat_id,
            render.to_plain(chunk),
            reply_markup=markup,
            reply_parameters=reply,
            message_thread_id=thread,
        )


async def _deliver(
    bot: Bot,
    chat_id: int,
    chunks: Sequence[str],
    markup: InlineKeyboardMarkup | None = None,
    reply_to: Message | None = None,
) -> None:
    """Send a reply that may span several messages; the buttons go under the last one."""
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        await _send_html(bot, chat_id, chunk, markup if last else None, reply_to)


async def _reply(update: Update, context: ContextTypes.DEFAULT_TYPE, chunks: Sequence[str]) -> None:
    message = update.effective_message
    if message is not None:
        await _deliver(context.bot, message.chat_id, chunks, reply_to=_reply_target(message))


async def _edit(message: Message, chunks: Sequence[str], context: ContextTypes.DEFAULT_TYPE) -> None:
    """Replace a progress message by the result; a long result continues in new messages."""
    try:
        await message.edit_text(chunks[0], parse_mode=ParseMode.HTML)
    except BadRequest as exc:
        if "can't parse entities" not in exc.message.lower():
            raise
        await message.edit_text(render.to_plain(chunks[0]))
    await _deliver(context.bot, message.chat_id, chunks[1:])


async def _page(engine: Engine, question: str, top_k: int, cursor: str | None) -> Answer:
    """One page of quotes; the engine says whether another follows, and de-duplicates across pages."""
    return await asyncio.to_thread(engine.ask, question, top_k, cursor)


def _keyboard(buttons: CallbackStore, question: str, answer: Answer, lang: str) -> InlineKeyboardMarkup | None:
    """上下文 for each quote and, when another page follows, 更多 for it."""
    if not isinstance(answer, Page):
        return None
    label = i18n.TEXTS[lang]["context"]
    offset = answer.start
    single = len(answer.quotes) == 1 and offset == 0
    context_buttons = [
        InlineKeyboardButton(
            label if single else f"{label} {offset + i + 1}",
            callback_data=buttons.context(quote.article_id, quote.paragraph),
        )
        for i, quote in enumerate(answer.quotes)
    ]
    rows = [
        context_buttons[i : i + CONTEXT_BUTTONS_PER_ROW]
        for i in range(0, len(context_buttons), CONTEXT_BUTTONS_PER_ROW)
    ]
    if answer.has_more and answer.next_cursor is not None:
        data = buttons.more(question, answer.next_cursor)
        rows.append([InlineKeyboardButton(i18n.TEXTS[lang]["more"], callback_data=data)])
    return InlineKeyboardMarkup(rows)


def _check_question(question: str, lang: str, empty_key: str) -> str | None:
    """Why a question cannot be asked, or None when it can."""
    if not question:
        return i18n.text(lang, empty_key)
    if len(question) > MAX_QUESTION_CHARS:
        return i18n.text(lang, "too_long", n=MAX_QUESTION_CHARS)
    # Emoji, punctuation and stray symbols carry nothing to search for. CJK characters are alphanumeric.
    if not any(ch.isalnum() for ch in question):
        return i18n.text(lang, "no_words")
    return None


def _admit(st: BotState, user_id: int | None) -> Verdict:
    """Apply the per-user rate limit; admins are exempt, they may be testing a fresh upload."""
    if user_id is None or st.access.is_admin(user_id):
        return Verdict(True)
    return st.limiter.hit(user_id)


def _wait_text(verdict: Verdict, lang: str) -> str:
    return i18n.text(lang, "rate_limited", seconds=max(1, math.ceil(verdict.wait)))


async def _answer_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: str, empty_key: str = "empty"
) -> None:
    """The one path every question takes: check it, rate-limit it, search off the loop, reply."""
    message = update.effective_message
    if message is None:
        return
    st, lang, user_id = state(context), _lang(update), _user_id(update)
    question = question.strip()
    problem = _check_question(question, lang, empty_key)
    if problem is not None:
        await _reply(update, context, [problem])
        return
    verdict = _admit(st, user_id)
    if not verdict.allowed:
        if verdict.notify:
            await _reply(update, context, [_wait_text(verdict, lang)])
        return
    answer = await _page(st.engine, question, st.top_k, None)
    st.questions += 1
    articles = [] if answer.found else await asyncio.to_thread(st.engine.articles)
    markup = _keyboard(st.buttons, question, answer, lang)
    chunks = render.render_answer(answer, articles, lang)
    await _deliver(context.bot, message.chat_id, chunks, markup, _reply_target(message))


def _command_argument(message: Message) -> str:
    """The text after the leading command, spacing and line breaks kept."""
    text = message.text or ""
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            # The command is ASCII, so its UTF-16 length is its length in characters.
            return text[entity.length :].strip()
    return text.strip()


def _is_bot_mention(entity: MessageEntity, value: str, bot: Bot) -> bool:
    if entity.type == MessageEntity.TEXT_MENTION:
        return entity.user is not None and entity.user.id == bot.id
    # PTB's filters.Mention compares case-sensitively; Telegram usernames are case-insensitive.
    return entity.type == MessageEntity.MENTION and value[1:].lower() == (bot.username or "").lower()


def _bot_mentions(message: Message) -> list[str]:
    bot = message.get_bot()
    kinds: list[str | None] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    return [value for entity, value in message.parse_entities(kinds).items() if _is_bot_mention(entity, value, bot)]


class _AddressedToBot(filters.MessageFilter):
    """Group messages meant for the bot: replies to its own messages, and mentions of it."""

    def filter(self, message: Message) -> bool:
        reply = message.reply_to_message
        # In forum topics every message replies to the topic's first message, whoever wrote it.
        if (
            reply is not None
            and reply.from_user is not None
            and reply.forum_topic_created is None
            and reply.from_user.id == message.get_bot().id
        ):
            return True
        return bool(_bot_mentions(message))


ADDRESSED_TO_BOT = _AddressedToBot()


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop updates from chats outside the allow-list before any other handler sees them."""
    chat = update.effective_chat
    if state(context).access.allows(chat.id if chat else None, _user_id(update)):
        return
    refusal = i18n.text(_lang(update), "not_allowed")
    if update.callback_query is not None:
        await update.callback_query.answer(refusal)
    elif update.inline_query is not None:
        await update.inline_query.answer([], cache_time=INLINE_CACHE_SECONDS)
    elif update.message is not None and update.message.chat.type == ChatType.PRIVATE:
        await update.message.reply_text(refusal)
    raise ApplicationHandlerStop


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot knows and how to ask it."""
    st = state(context)
    articles = await asyncio.to_thread(st.engine.articles)
    admin = st.access.is_admin(_user_id(update))
    await _reply(update, context, render.render_help(articles, _lang(update), context.bot.username, admin))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Same as /start: what the bot knows and how to ask it."""
    await start(update, context)


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /ask 问题 (and /ask@ThisBot 问题; PTB already skips /ask@OtherBot)."""
    if update.message is not None:
        await _answer_question(update, context, _command_argument(update.message))


async def private_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat any text is a question."""
    if update.message is not None:
        await _answer_question(update, context, update.message.text or "", "empty_private")


async def group_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a group message that mentions the bot or replies to it, without the mention itself."""
    message = update.message
    if message is None:
        return
    question = message.text or ""
    for mention in _bot_mentions(message):
        question = question.replace(mention, " ", 1)
    await _answer_question(update, context, " ".join(question.split()))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point a private chat's unknown command to /help."""
    await _reply(update, context, [i18n.text(_lang(update), "unknown_command")])


async def unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell a private chat that stickers, photos and the like cannot be answered."""
    await _reply(update, context, [i18n.text(_lang(update), "unsupported")])


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer the top quotes for ``@ThisBot 问题`` as inline results."""
    query = update.inline_query
    if query is None:
        return
    st, lang, user_id = state(context), _lang(update), _user_id(update)
    question = query.query.strip()
    if _check_question(question, lang, "empty") is not None:
        await query.answer([], cache_time=INLINE_CACHE_SECONDS)
        return
    verdict = _admit(st, user_id)
    if not verdict.allowed:
        wait = InlineQueryResultsButton(text=render.to_plain(_wait_text(verdict, lang)), start_parameter="help")
        await query.answer([], cache_time=0, button=wait)
        return
    answer = await asyncio.to_thread(st.engine.ask, question, min(st.inline_results, InlineQueryLimit.RESULTS))
    st.questions += 1
    if not answer.found or not answer.quotes:
        hint = InlineQueryResultsButton(text=i18n.text(lang, "inline_nothing"), start_parameter="help")
        await query.answer([], cache_time=INLINE_CACHE_SECONDS, button=hint)
        return
    quotes = answer.quotes[: InlineQueryLimit.RESULTS]
    try:
        await query.answer(_inline_results(quotes, html=True), cache_time=INLINE_CACHE_SECONDS)
    except BadRequest as exc:
        if "can't parse entities" not in exc.message.lower():
            raise
        log.warning("Telegram rejected the markup of inline results (%s); sending plain text.", exc.message)
        await query.answer(_inline_results(quotes, html=False), cache_time=INLINE_CACHE_SECONDS)


def _inline_results(quotes: Sequence[Quote], html: bool) -> list[InlineQueryResultArticle]:
    results = []
    for i, quote in enumerate(quotes):
        message = render.inline_message(quote)
        content = (
            InputTextMessageContent(message, parse_mode=ParseMode.HTML)
            if html
            else InputTextMessageContent(render.to_plain(message))
        )
        results.append(
            InlineQueryResultArticle(
                id=str(i),
                title=render.inline_title(quote),
                description=render.inline_description(quote),
                input_message_content=content,
            )
        )
    return results


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a press of 更多 (the next results) or 上下文 (the whole paragraph)."""
    query = update.callback_query
    if query is None:
        return
    st, lang = state(context), _lang(update)
    request = st.buttons.parse(query.data)
    message = query.message
    if request is None or message is None:
        await query.answer(i18n.text(lang, "expired"))
        return
    # A message older than 48 hours is "inaccessible": we may still send to its chat, not reply to it.
    reply_to = _reply_target(message) if isinstance(message, Message) else None
    if isinstance(request, More):
        await _more(update, context, request, reply_to)
    else:
        await _context(update, context, request, reply_to)


async def _more(update: Update, context: ContextTypes.DEFAULT_TYPE, request: More, reply_to: Message | None) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    st, lang, user_id = state(context), _lang(update), _user_id(update)
    verdict = _admit(st, user_id)
    if not verdict.allowed:
        await query.answer(render.to_plain(_wait_text(verdict, lang)))
        return
    answer = await _page(st.engine, request.question, st.top_k, request.cursor)
    if not isinstance(answer, Page):
        await query.answer(i18n.text(lang, "no_more"))
        return
    await query.answer()
    chunks = render.render_answer(answer, [], lang)
    markup = _keyboard(st.buttons, request.question, answer, lang)
    await _deliver(context.bot, query.message.chat.id, chunks, markup, reply_to)
    await _drop_button(query.message, query.data)


async def _drop_button(message: object, data: str | None) -> None:
    """Take a used 更多 off its message, so the next page is asked for from the newest one."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = [[b for b in row if b.callback_data != data] for row in message.reply_markup.inline_keyboard]
    kept = [row for row in rows if row]
    try:
        await message.edit_reply_markup(InlineKeyboardMarkup(kept) if kept else None)
    except BadRequest as exc:
        # Pressed twice in a row: the first press already took the button off.
        if "not modified" not in exc.message.lower():
            raise


async def _context(
    update: Update, context: ContextTypes.DEFAULT_TYPE, request: Context, reply_to: Message | None
) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    st, lang = state(context), _lang(update)
    paragraph = await asyncio.to_thread(st.engine.paragraph, request.article_id, request.paragraph)
    if paragraph is None:
        await query.answer(i18n.text(lang, "gone"))
        return
    articles = await asyncio.to_thread(st.engine.articles)
    title = next((a.title for a in articles if a.article_id == request.article_id), None)
    await query.answer()
    await _deliver(
        context.bot, query.message.chat.id, render.render_paragraph(paragraph, title, lang), reply_to=reply_to
    )


async def _admin_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True for admins; anyone else gets a polite refusal."""
    if state(context).access.is_admin(_user_id(update)):
        return True
    await _reply(update, context, [i18n.text(_lang(update), "admins_only")])
    return False


def _save_upload(folder: Path, original_name: str, suffix: str, data: bytes) -> Path:
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
    partial.write_bytes(data)
    os.replace(partial, target)
    return target


def _retire_file(engine: Engine, removed: ArticleInfo) -> Path | None:
    """Hide the removed article's file from later rebuilds, if it lies in the articles folder alone.

    The file is renamed to a dot file, which rebuilds skip, rather than deleted: renaming it back
    restores the article. A file that holds other indexed articles, or lies elsewhere, stays as it is.
    """
    source = Path(removed.source)
    folder = engine.articles_dir.resolve()
    if not source.is_file() or folder not in source.resolve().parents:
        return None
    if any(Path(a.source) == source for a in engine.articles()):
        return None
    hidden = source.with_name(f".{source.name}.removed")
    os.replace(source, hidden)
    return hidden


def _size_mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Add an article an admin sends as a document; check size and type before downloading it."""
    message = update.message
    if message is None or message.document is None or not await _admin_only(update, context):
        return
    st, lang, document = state(context), _lang(update), message.document
    name = document.file_name or ""
    suffix = Path(name).suffix.lower()
    limit = st.max_upload_bytes
    if suffix not in SUPPORTED_SUFFIXES:
        await _reply(update, context, [i18n.text(lang, "upload_type", name=name or document.mime_type or "?")])
        return
    if document.file_size is not None and document.file_size > limit:
        too_big = i18n.text(lang, "upload_size", size=_size_mb(document.file_size), limit=_size_mb(limit))
        await _reply(update, context, [too_big])
        return
    if document.file_size == 0:
        await _reply(update, context, [i18n.text(lang, "upload_empty")])
        return
    progress = await message.reply_text(i18n.text(lang, "busy"))
    telegram_file = await document.get_file()
    if telegram_file.file_size is not None and telegram_file.file_size > limit:
        too_big = i18n.text(lang, "upload_size", size=_size_mb(telegram_file.file_size), limit=_size_mb(limit))
        await _edit(progress, [too_big], context)
        return
    data = bytes(await telegram_file.download_as_bytearray())
    if len(data) > limit or not data:
        key = "upload_empty" if not data else "upload_size"
        await _edit(progress, [i18n.text(lang, key, size=_size_mb(len(data)), limit=_size_mb(limit))], context)
        return
    path = await asyncio.to_thread(_save_upload, st.engine.articles_dir, name, suffix, data)
    async with st.index_lock:
        report = await asyncio.to_thread(st.engine.add_files, [path])
    if report.failed and not report.added:
        # A file the index cannot read would fail every later rebuild too: do not keep it.
        await asyncio.to_thread(path.unlink, missing_ok=True)
    lines = _report_lines(report, lang) or [i18n.text(lang, "upload_nothing")]
    await _edit(progress, render.pack(lines, separator="\n"), context)


def _report_lines(report: Report, lang: str) -> list[str]:
    lines = []
    for info in report.added:
        lines.append(
            i18n.text(
                lang,
                "upload_added",
                title=info.title,
                id=info.article_id,
                sections=len(info.sections),
                chunks=info.chunks,
            )
        )
        if info.sections:
            separator = "、" if lang == "zh" else ", "
            lines.append(i18n.text(lang, "upload_sections", names=separator.join(info.sections)))
    for info in report.unchanged:
        lines.append(i18n.text(lang, "upload_unchanged", title=info.title))
    for _path, reason in report.failed:
        lines.append(i18n.text(lang, "upload_failed", reason=reason))
    return lines


async def articles_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the indexed articles with their ids (admins)."""
    if await _admin_only(update, context):
        articles = await asyncio.to_thread(state(context).engine.articles)
        await _reply(update, context, render.render_articles(articles, _lang(update)))


async def remove_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remove one article from the index: /remove <id> (admins)."""
    if update.message is None or not await _admin_only(update, context):
        return
    st, lang = state(context), _lang(update)
    article_id = _command_argument(update.message)
    if not article_id:
        await _reply(update, context, [i18n.text(lang, "remove_usage")])
        return
    try:
        async with st.index_lock:
            info = await asyncio.to_thread(st.engine.remove, article_id)
            hidden = await asyncio.to_thread(_retire_file, st.engine, info)
    except UnknownArticleError:
        await _reply(update, context, [i18n.text(lang, "remove_unknown", id=article_id)])
        return
    lines = [i18n.text(lang, "removed", title=info.title, id=info.article_id)]
    if hidden is not None:
        lines.append(i18n.text(lang, "removed_file", name=hidden.name))
    else:
        lines.append(i18n.text(lang, "removed_kept"))
    await _reply(update, context, render.pack(lines, separator="\n"))


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Rebuild the index from the articles folder while questions go on being answered (admins)."""
    if update.message is None or not await _admin_only(update, context):
        return
    st, lang = state(context), _lang(update)
    progress = await update.message.reply_text(i18n.text(lang, "busy"))
    try:
        async with st.index_lock:
            report = await asyncio.to_thread(st.engine.rebuild)
    except BuildRefusedError as exc:
        await _edit(progress, [i18n.text(lang, "reload_refused", indexed=exc.indexed, found=exc.found)], context)
        return
    counts = await asyncio.to_thread(st.engine.stats)
    lines = [
        i18n.text(
            lang,
            "reloaded",
            articles=counts.get("articles", 0),
            chunks=counts.get("chunks", 0),
            embedded=report.embedded_chunks,
        )
    ]
    if report.failed:
        lines.append(i18n.text(lang, "reload_failed", n=len(report.failed)))
        lines += [i18n.text(lang, "upload_failed", reason=f"{Path(p).name}: {why}") for p, why in report.failed]
    await _edit(progress, render.pack(lines, separator="\n"), context)


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show index counts, uptime and questions answered (admins)."""
    if not await _admin_only(update, context):
        return
    st, lang = state(context), _lang(update)
    counts = dict(await asyncio.to_thread(st.engine.stats))
    lines = [
        i18n.text(
            lang,
            "stats",
            articles=counts.pop("articles", 0),
            chunks=counts.pop("chunks", 0),
            uptime=render.duration(time.monotonic() - st.started, lang),
            questions=st.questions,
        )
    ]
    # The engine's own uptime is the index's, not the bot's: ours is the one shown above.
    counts.pop("uptime_s", None)
    lines += [i18n.text(lang, "stat_line", name=name, value=value) for name, value in sorted(counts.items())]
    await _reply(update, context, render.pack(lines, separator="\n"))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the traceback, then tell the user in one line that something went wrong."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("Handling update %s failed.", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    notice = i18n.text(_lang(update), "error")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(notice)
        elif update.effective_message is not None and update.inline_query is None:
            message = update.effective_message
            await _deliver(context.bot, message.chat_id, [notice], reply_to=_reply_target(message))
    except TelegramError as exc:
        log.warning("Could not tell the user about that error either: %s", exc)


def register(application: Application) -> None:
    """Add every handler, in the order Telegram users expect them to take effect."""
    new = filters.UpdateType.MESSAGE  # edits of old messages are not new questions
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    application.add_handler(TypeHandler(Update, gate), group=-1)
    application.add_handler(CommandHandler("start", start, filters=new))
    application.add_handler(CommandHandler("help", help_command, filters=new))
    application.add_handler(CommandHandler("ask", ask, filters=new))
    application.add_handler(CommandHandler("articles", articles_command, filters=new))
    application.add_handler(CommandHandler("remove", remove_command, filters=new))
    application.add_handler(CommandHandler("reload", reload_command, filters=new))
    application.add_handler(CommandHandler("stats", stats_command, filters=new))
    application.add_handler(MessageHandler(new & private & filters.Document.ALL, upload))
    application.add_handler(MessageHandler(new & private & filters.TEXT & ~filters.COMMAND, private_question))
    application.add_handler(
        MessageHandler(new & groups & filters.TEXT & ~filters.COMMAND & ADDRESSED_TO_BOT, group_question)
    )
    application.add_handler(MessageHandler(new & private & filters.COMMAND, unknown_command))
    # Stickers, photos, voice and the rest; service messages (someone joined…) need no answer.
    application.add_handler(MessageHandler(new & private & ~filters.StatusUpdate.ALL, unsupported))
    application.add_handler(InlineQueryHandler(inline_query))
    application.add_handler(CallbackQueryHandler(button))
    application.add_error_handler(on_error)
