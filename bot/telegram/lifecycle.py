"""Run the bot: start-up with retries, long polling or the webhook server, and a clean shutdown.

- ``getMe`` failing at start-up (5xx, no connection) is retried with backoff; if Telegram stays away,
  or the token is refused, the bot exits non-zero with one line, for a supervisor to restart it.
- A 401 while polling stops the bot the same way instead of leaving a process that answers nobody.
- SIGINT/SIGTERM stop fetching, let the updates in hand be answered (PTB's ``Application.stop`` waits
  for them), confirm them to Telegram, close the stores, and exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.logs import mask
from bot.telegram.application import ALLOWED_UPDATES, POLL_TIMEOUT
from bot.telegram.context import App
from bot.telegram.webhook import WebhookServer
from index.errors import QuoteBotError

log = logging.getLogger(__name__)

STARTUP_BACKOFF_SECONDS = 1.0
# How often a stopping bot looks for a fatal reason set by the polling request.
WATCH_SECONDS = 0.2


class StartupError(QuoteBotError):
    """Telegram could not be reached, or refused the token, at start-up."""


@dataclass(frozen=True)
class WebhookOptions:
    listen: str
    port: int
    url_path: str
    webhook_url: str
    secret_token: str


async def initialize(application: App, retries: int) -> None:
    """``Application.initialize`` (which calls getMe), retried with backoff on server and network errors."""
    attempt = 0
    while True:
        try:
            await application.initialize()
            return
        except InvalidToken as exc:
            raise StartupError(f"Telegram refused the bot token: {mask(exc.message)}.") from None
        except (NetworkError, TelegramError) as exc:
            if attempt >= retries:
                raise StartupError(
                    f"Could not reach the Telegram Bot API after {attempt + 1} attempts: {mask(exc.message)}."
                ) from None
            wait = STARTUP_BACKOFF_SECONDS * 2**attempt
            log.warning("Connecting to Telegram failed (%s); trying again in %.0f s.", mask(exc.message), wait)
            await asyncio.sleep(wait)
            attempt += 1


async def start(application: App, retries: int, webhook: WebhookOptions | None = None,
                poll_timeout: int = POLL_TIMEOUT) -> WebhookServer | None:  # fmt: skip
    """Initialise, publish commands, and start receiving updates; the webhook server when configured."""
    await initialize(application, retries)
    if application.post_init is not None:
        await application.post_init(application)
    server = None
    if webhook is None:
        assert application.updater is not None
        await application.updater.start_polling(timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES,
                                                bootstrap_retries=retries)  # fmt: skip
    else:
        server = WebhookServer(application, webhook.listen, webhook.port, webhook.url_path, webhook.secret_token)
        server.start()
        sender, bot = application.bot_data.sender, application.bot
        done = await sender.call("setWebhook", lambda: bot.set_webhook(
            webhook.webhook_url, secret_token=webhook.secret_token, allowed_updates=ALLOWED_UPDATES))  # fmt: skip
        if not done:
            await server.stop()
            raise StartupError(f"Telegram did not accept the webhook URL {webhook.webhook_url}.")
    await application.start()
    return server


async def stop(application: App, server: WebhookServer | None) -> None:
    """Stop receiving, finish the updates in hand, shut down (closing the stores)."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if server is not None:
        await server.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def run(application: App, retries: int, webhook: WebhookOptions | None = None,
              poll_timeout: int = POLL_TIMEOUT) -> None:  # fmt: skip
    """Serve until SIGINT/SIGTERM, or until Telegram refuses the token (then :class:`StartupError`)."""
    finished = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Only the main thread can take signals; run elsewhere (embedded, tests), the caller stops it.
        with contextlib.suppress(RuntimeError, ValueError, NotImplementedError):
            loop.add_signal_handler(sig, finished.set)
    server = await start(application, retries, webhook, poll_timeout)
    stopping = application.bot_data.stopping
    try:
        while not finished.is_set() and not stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(finished.wait(), WATCH_SECONDS)
    finally:
        log.info("Stopping: answering the updates in hand first.")
        await stop(application, server)
    if stopping:
        raise StartupError(stopping["reason"])


def serve(application: App, retries: int, webhook: WebhookOptions | None = None) -> None:
    asyncio.run(run(application, retries, webhook))
