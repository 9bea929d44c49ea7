"""The one error handler: log the traceback once, count it, tell the user in one line in their language."""

from __future__ import annotations

import logging

from telegram import Update

from bot import i18n
from bot.telegram.addressing import language, reply_place
from bot.telegram.context import Context

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Anything a handler did not expect. Sends never get here: :mod:`bot.telegram.sending` counts them."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    data = context.bot_data
    data.metrics.errors.labels(type(error).__name__ if error else "unknown").inc()
    log.error("Handling update %s failed.", update_id, exc_info=error)
    if not isinstance(update, Update):
        return
    notice = i18n.text(language(update), "error")
    if update.callback_query is not None:
        await data.sender.answer_query(update.callback_query, notice)
    elif update.effective_message is not None and update.inline_query is None:
        await data.sender.send(reply_place(update.effective_message), [notice])
