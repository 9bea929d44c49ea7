"""``quotebot serve``: check the settings, load the engine, and run the bot (see :mod:`bot.telegram`)."""

from __future__ import annotations

import logging
import os
import re

from bot import logs
from bot.config import TOKEN_ENV, Settings
from bot.telegram import application as telegram_app
from bot.telegram import lifecycle
from bot.telegram.lifecycle import WebhookOptions
from index.errors import QuoteBotError

log = logging.getLogger(__name__)

_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def webhook_options(settings: Settings) -> WebhookOptions:
    """Where the webhook server listens and what Telegram is told, with the secret token from the environment."""
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
    return WebhookOptions(hook.listen, hook.port, hook.url_path, hook.url, secret)


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
    root = logging.getLogger()
    if not root.handlers:
        logs.setup(debug=False)
    # A server should say that it started and what it is indexing, even where the CLI keeps quiet.
    for name in ("bot", "telegram.ext.Application"):
        if not logging.getLogger(name).isEnabledFor(logging.INFO):
            logging.getLogger(name).setLevel(logging.INFO)
    logs.protect(token)
    # Check the webhook settings before the slow index load, so a typo fails at once.
    options = webhook_options(settings) if settings.telegram.webhook.enabled else None

    from bot.runtime import embedder_for, open_engine, ready_for_questions  # the embedder: only to serve

    embedder = embedder_for(settings)
    ready_for_questions(settings, embedder)
    engine = open_engine(settings, _log_progress, embedder)
    engine.warm()
    application = telegram_app.build(settings, engine, token, base_url)
    lifecycle.serve(application, settings.telegram.startup_retries, options)
