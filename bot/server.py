"""Build the Telegram :class:`Application` and run it: long polling by default, a webhook when configured.

``run_polling`` and ``run_webhook`` stop cleanly on SIGINT, SIGTERM and SIGABRT: they finish the updates
in hand, mark the fetched ones as read, and shut the application down, which closes the button store.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.error import BadRequest
from telegram.ext import AIORateLimiter, Application, Defaults

from bot import handlers, i18n
from bot.access import Access, RateLimiter
from bot.callbacks import CallbackStore
from bot.config import TOKEN_ENV, Settings
from index.errors import QuoteBotError

log = logging.getLogger(__name__)

# Telegram's getFile refuses files over 20 MB, whatever the config says.
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024
BUTTONS_FILE = "telegram-buttons.sqlite3"
PUBLIC_COMMANDS = ("start", "help", "ask")
ADMIN_COMMANDS = ("articles", "remove", "reload", "stats")
# Only what the handlers use: Telegram then spares the bot reactions, member changes and the like.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def file_url_for(base_url: str | None) -> str | None:
    """The file download URL that goes with a Bot API URL ending in ``/bot`` (Telegram's and the local server's do)."""
    if base_url and base_url.rstrip("/").endswith("/bot"):
        return base_url.rstrip("/")[: -len("bot")] + "file/bot"
    return None


def build_application(
    settings: Settings, engine: handlers.Engine, token: str, base_url: str | None = None
) -> Application:
    """The application with every handler; ``base_url`` overrides the configured Bot API server."""
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    config = settings.telegram
    api_url = base_url or config.base_url
    file_url = (file_url_for(base_url) if base_url else None) or config.base_file_url or file_url_for(api_url)
    builder = (
        Application.builder()
        .token(token)
        # PTB's default is no retry at all: a 429 would lose the reply.
        .rate_limiter(AIORateLimiter(max_retries=config.flood_retries))
        # Updates are handled side by side, so a slow question or an upload being indexed does not
        # hold up anyone else's answer.
        .concurrent_updates(True)
        # On shutdown PTB cancels the long poll and sends one last getUpdates to confirm what it handled;
        # with PTB's single polling connection that call can time out waiting for the cancelled one.
        .get_updates_connection_pool_size(2)
        .defaults(
            Defaults(
                allow_sending_without_reply=True,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if api_url:
        builder = builder.base_url(api_url)
    if file_url:
        builder = builder.base_file_url(file_url)
    application = builder.build()
    limit = config.rate_limit
    application.bot_data[handlers.STATE_KEY] = handlers.BotState(
        engine=engine,
        access=Access(config.admins, config.allowed_chats),
        limiter=RateLimiter(limit.messages, limit.per_seconds),
        buttons=CallbackStore(settings.path("cache") / BUTTONS_FILE),
        top_k=settings.search.top_k,
        inline_results=config.inline_results,
        max_upload_bytes=min(int(config.max_upload_mb * 1024 * 1024), TELEGRAM_DOWNLOAD_LIMIT),
    )
    handlers.register(application)
    return application


def _commands(names: tuple[str, ...], lang: str) -> list[BotCommand]:
    return [BotCommand(name, i18n.TEXTS[lang][f"cmd_{name}"]) for name in names]


async def _post_init(application: Application) -> None:
    """Publish the command lists: everyone's, and for each admin's private chat the admin commands too."""
    bot = application.bot
    for lang, code in (("zh", None), ("en", "en")):
        await bot.set_my_commands(_commands(PUBLIC_COMMANDS, lang), language_code=code)
        for admin in handlers.state_of(application).access.admins:
            try:
                await bot.set_my_commands(
                    _commands(PUBLIC_COMMANDS + ADMIN_COMMANDS, lang),
                    scope=BotCommandScopeChat(admin),
                    language_code=code,
                )
            except BadRequest as exc:
                # Telegram knows no chat with an admin who has never opened the bot; not worth failing.
                log.info("Admin commands not published for %s: %s", admin, exc.message)
    log.info("QuoteBot is serving as @%s.", bot.username)


async def _post_shutdown(application: Application) -> None:
    handlers.state_of(application).buttons.close()


def webhook_options(settings: Settings) -> dict[str, Any]:
    """The arguments of ``run_webhook``/``start_webhook``, with the secret token from the environment."""
    hook = settings.telegram.webhook
    if not hook.url:
        raise QuoteBotError(
            "telegram.webhook.url must be set when telegram.webhook.enabled is true: "
            "it is the public HTTPS URL Telegram posts updates to."
        )
    secret = os.environ.get(hook.secret_token_env, "").strip()
    if not _SECRET.fullmatch(secret):
        raise QuoteBotError(
            f"Set ${hook.secret_token_env} to a secret of 1 to 256 letters, digits, '_' or '-': Telegram "
            "sends it with every webhook call, so forged calls can be refused."
        )
    return {
        "listen": hook.listen,
        "port": hook.port,
        "url_path": hook.url_path,
        "webhook_url": hook.url,
        "secret_token": secret,
        "allowed_updates": ALLOWED_UPDATES,
    }


def _log_progress(stage: str, done: int, total: int) -> None:
    # A first start builds the index, which takes a while: say what is happening, once per stage.
    if done == 0 and total:
        log.info("Index: %s %d items…", stage, total)


def serve(settings: Settings, base_url: str | None = None) -> None:
    """Run the bot until SIGINT or SIGTERM; ``base_url`` selects a custom Bot API server."""
    token = settings.token()
    if token is None:
        raise QuoteBotError(
            f"No Telegram bot token: set {TOKEN_ENV} to the token @BotFather gave you "
            "(`quotebot chat` answers questions without Telegram)."
        )
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    # A server should say that it started and what it is indexing, even where the CLI keeps quiet.
    if not logging.getLogger("bot").isEnabledFor(logging.INFO):
        logging.getLogger("bot").setLevel(logging.INFO)
    # Check the webhook settings before the slow index load, so a typo fails at once.
    options = webhook_options(settings) if settings.telegram.webhook.enabled else None

    from bot.runtime import open_engine  # the engine pulls in the embedder: load it only to serve

    engine = open_engine(settings, _log_progress)
    application = build_application(settings, engine, token, base_url)
    if options is not None:
        application.run_webhook(**options)
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
