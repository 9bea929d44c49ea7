"""Build the Telegram :class:`Application`: typed context, request settings, shared state, handlers."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
from typing import Any, cast

import httpx
from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import i18n, logs
from bot.access import Access, RateLimiter
from bot.callbacks import CallbackStore
from bot.config import Settings
from bot.feedback import FILE_NAME as FEEDBACK_FILE
from bot.feedback import FeedbackStore
from bot.limits import Limits
from bot.telegram import admin, buttons, questions
from bot.telegram.addressing import ADDRESSED_TO_BOT, gate
from bot.telegram.context import CONTEXT_TYPES, App, Context, Engine
from bot.telegram.errors import on_error
from bot.telegram.inline import inline_query
from bot.telegram.metrics import Metrics
from bot.telegram.polling import PollingRequest
from bot.telegram.sending import Sender
from bot.telegram.workload import ChatOrder, Workload

log = logging.getLogger(__name__)

BUTTONS_FILE = "telegram-buttons.sqlite3"
PUBLIC_COMMANDS = ("start", "help", "ask")
ADMIN_COMMANDS = ("articles", "remove", "reload", "stats")
# Only what the handlers use: Telegram then spares the bot reactions, member changes and the like.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
# Long polls wait this long for updates; the request's read timeout must outlast them.
POLL_TIMEOUT = 30


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every connection: loading the certificate store costs 50 ms of CPU each time."""
    return httpx.create_ssl_context()


def file_url_for(base_url: str | None) -> str | None:
    """The file download URL that goes with a Bot API URL ending in ``/bot`` (Telegram's and the local server's do)."""
    if base_url and base_url.rstrip("/").endswith("/bot"):
        return base_url.rstrip("/")[: -len("bot")] + "file/bot"
    return None


def build(settings: Settings, engine: Engine, token: str, base_url: str | None = None) -> App:
    """The application with every handler; ``base_url`` overrides the configured Bot API server."""
    logs.protect(token)
    config = settings.telegram
    metrics = Metrics()
    stopping: dict[str, str] = {}
    api_url = base_url or config.base_url
    file_url = (file_url_for(base_url) if base_url else None) or config.base_file_url or file_url_for(api_url)
    timeout = config.request_timeout

    def unauthorized() -> None:
        stopping["reason"] = "Telegram answered 401 Unauthorized: the bot token was revoked or is wrong."

    builder = (
        Application.builder()
        .token(token)
        .context_types(CONTEXT_TYPES)
        # PTB's default is no retry at all: a 429 would lose the reply.
        .rate_limiter(AIORateLimiter(overall_max_rate=config.sends_per_second, max_retries=config.flood_retries))
        .concurrent_updates(ChatOrder(config.max_concurrent_updates))
        .request(HTTPXRequest(connection_pool_size=64, read_timeout=timeout, write_timeout=timeout,
                              connect_timeout=timeout, pool_timeout=timeout, httpx_kwargs={"verify": _tls()}))
        # On shutdown PTB cancels the long poll and sends one last getUpdates to confirm what it handled;
        # with a single polling connection that call can time out waiting for the cancelled one.
        .get_updates_request(PollingRequest(metrics, unauthorized, connection_pool_size=2,
                                            read_timeout=POLL_TIMEOUT + timeout, connect_timeout=timeout,
                                            httpx_kwargs={"verify": _tls()}))
        .defaults(Defaults(allow_sending_without_reply=True, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )  # fmt: skip
    if api_url:
        builder = builder.base_url(api_url)
    if file_url:
        builder = builder.base_file_url(file_url)
    application = cast(App, builder.build())
    data = application.bot_data
    limit = config.rate_limit
    data.engine = engine
    data.access = Access(config.admins, config.allowed_chats)
    data.limiter = RateLimiter(limit.messages, limit.per_seconds)
    data.buttons = CallbackStore(settings.path("cache") / BUTTONS_FILE)
    data.feedback = FeedbackStore(settings.path("cache") / FEEDBACK_FILE)
    data.limits = Limits(question_chars=config.max_question_chars,
                         upload_bytes=int(config.max_upload_mb * 1024 * 1024))  # fmt: skip
    data.workload = Workload(config.search_threads, config.search_queue, config.max_wait_seconds)
    data.metrics = metrics
    data.sender = Sender(application.bot, metrics, config.send_retries)
    data.top_k = settings.search.top_k
    data.inline_results = config.inline_results
    data.index_watch_seconds = config.index_watch_seconds
    data.typing_after = config.typing_after_seconds
    data.stopping = stopping
    data.private_paths = [str(settings.path(name)) for name in ("articles", "index", "cache")] + [
        str(settings.base_dir)
    ]
    register(application)
    return application


def register(application: App) -> None:
    """Add every handler, in the order Telegram users expect them to take effect."""
    new = filters.UpdateType.MESSAGE  # edits of old messages are not new questions
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    application.add_handler(TypeHandler(Update, gate), group=-1)
    application.add_handler(CommandHandler("start", questions.start, filters=new))
    application.add_handler(CommandHandler("help", questions.start, filters=new))
    application.add_handler(CommandHandler("ask", questions.ask, filters=new))
    application.add_handler(CommandHandler("articles", admin.articles_command, filters=new))
    application.add_handler(CommandHandler("remove", admin.remove_command, filters=new))
    application.add_handler(CommandHandler("reload", admin.reload_command, filters=new))
    application.add_handler(CommandHandler("stats", admin.stats_command, filters=new))
    application.add_handler(MessageHandler(new & private & filters.Document.ALL, admin.upload))
    application.add_handler(MessageHandler(new & private & filters.TEXT & ~filters.COMMAND, questions.private_question))
    application.add_handler(
        MessageHandler(new & groups & filters.TEXT & ~filters.COMMAND & ADDRESSED_TO_BOT, questions.group_question)
    )
    application.add_handler(MessageHandler(new & private & filters.COMMAND, questions.unknown_command))
    # Stickers, photos, voice and the rest; service messages (someone joined…) need no answer.
    application.add_handler(MessageHandler(new & private & ~filters.StatusUpdate.ALL, questions.unsupported))
    application.add_handler(InlineQueryHandler(inline_query))
    for handler in buttons.HANDLERS:
        application.add_handler(handler)
    application.add_error_handler(on_error)


def _commands(names: tuple[str, ...], lang: str) -> list[BotCommand]:
    return [BotCommand(name, i18n.TEXTS[lang][f"cmd_{name}"]) for name in names]


async def _post_init(application: Application[Any, Context, Any, Any, Any, Any]) -> None:
    """Publish the command lists (everyone's, and each admin's), and start watching the index for changes."""
    app = cast(App, application)
    bot, data, sender = app.bot, app.bot_data, app.bot_data.sender
    for lang, code in (("zh", None), ("en", "en")):
        await sender.call("setMyCommands", functools.partial(
            bot.set_my_commands, _commands(PUBLIC_COMMANDS, lang), language_code=code))  # fmt: skip
        for admin_id in data.access.admins:
            # Telegram knows no chat with an admin who has never opened the bot: that fails, harmlessly.
            await sender.call("setMyCommands", functools.partial(
                bot.set_my_commands, _commands(PUBLIC_COMMANDS + ADMIN_COMMANDS, lang),
                scope=BotCommandScopeChat(admin_id), language_code=code))  # fmt: skip
    data.metrics.generation.set((await asyncio.to_thread(data.engine.stats)).get("generation", 0))
    data.watcher = asyncio.create_task(_watch_index(app), name="quotebot-index-watch")
    log.info("QuoteBot is serving as @%s.", bot.username)


async def _watch_index(application: App) -> None:
    """Pick up index changes the CLI (or another process) made, by the manifest's generation."""
    data = application.bot_data
    while True:
        await asyncio.sleep(data.index_watch_seconds)
        try:
            if await asyncio.to_thread(data.engine.refresh):
                generation = (await asyncio.to_thread(data.engine.stats)).get("generation", 0)
                data.metrics.generation.set(generation)
                log.info("The index changed on disk; now serving generation %s.", generation)
        except Exception:  # noqa: BLE001 - the watcher must outlive a bad moment on disk
            log.exception("Checking the index for changes failed; the current one stays in service.")


async def _post_shutdown(application: Application[Any, Context, Any, Any, Any, Any]) -> None:
    data = cast(App, application).bot_data
    watcher = getattr(data, "watcher", None)
    if watcher is not None:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError, ApplicationHandlerStop):
            await watcher
    data.workload.close()
    data.buttons.close()
    data.feedback.close()
