"""A fake Telegram Bot API server on loopback, and a runner for the real PTB application against it.

    core           the server: state, injected faults, HTTP, waiting for the calls the bot makes
    methods        the Bot API methods it answers, with Telegram's checks
    updates        the updates tests push in (messages, documents, presses, inline queries)
    telegram_html  Telegram's HTML subset, as the server checks it
    runner         the real application, started and stopped the way ``quotebot serve`` does
"""

from tests.fake_bot_api.core import TOKEN, Call, FakeBotAPI
from tests.fake_bot_api.methods import utf16_len
from tests.fake_bot_api.runner import BotRunner, make_settings, running_bot
from tests.fake_bot_api.telegram_html import TelegramHTMLError, parse_html

__all__ = [
    "TOKEN",
    "BotRunner",
    "Call",
    "FakeBotAPI",
    "TelegramHTMLError",
    "make_settings",
    "parse_html",
    "running_bot",
    "utf16_len",
]
