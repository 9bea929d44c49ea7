"""Sending and editing: HTML with a plain-text fallback, retries for server errors, counted drops.

Every Bot API call the handlers make to answer someone goes through here, and none of them raises:

- 429 is retried by PTB's rate limiter (``telegram.flood_retries`` times, after ``retry_after``);
- 5xx and dropped connections are retried here with a short backoff (``telegram.send_retries``);
- a timeout of ``sendMessage`` is *not* retried and not followed by an error notice: Telegram may
  well have delivered the message, and a second copy (or "something went wrong" under the answer)
  would be worse than a rare lost answer, which is logged and counted instead;
- 400 is classified once (:func:`classify`): markup Telegram cannot parse is resent as plain text, an
  invalid quote or a vanished topic is resent without it, "not modified" is success;
- 403 (blocked by the user, kicked from the group) and everything else is a logged, counted drop.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot import render
from bot.telegram.metrics import Metrics

log = logging.getLogger(__name__)

T = TypeVar("T")
BACKOFF_SECONDS = 0.5


class Problem(enum.Enum):
    """What a 400 from the Bot API means for us."""

    MARKUP = "markup"  # our HTML did not parse: send the text plainly
    NOT_MODIFIED = "not_modified"  # an edit that changes nothing: already done
    QUOTE_INVALID = "quote_invalid"  # the quoted words are not in the message replied to
    REPLY_GONE = "reply_gone"  # the message replied to was deleted
    THREAD_GONE = "thread_gone"  # the forum topic was closed or deleted
    EDIT_GONE = "edit_gone"  # the message to edit is gone, or can no longer be edited
    QUERY_EXPIRED = "query_expired"  # a callback or inline query older than Telegram keeps them
    OTHER = "other"


# The one place Telegram's error descriptions are read; lower-case fragments, first match wins.
_DESCRIPTIONS = (
    ("can't parse entities", Problem.MARKUP),
    ("message is not modified", Problem.NOT_MODIFIED),
    ("quote_text_invalid", Problem.QUOTE_INVALID),
    ("quote not found", Problem.QUOTE_INVALID),
    ("message to be replied not found", Problem.REPLY_GONE),
    ("message thread not found", Problem.THREAD_GONE),
    ("topic_closed", Problem.THREAD_GONE),
    ("topic_deleted", Problem.THREAD_GONE),
    ("message to edit not found", Problem.EDIT_GONE),
    ("message can't be edited", Problem.EDIT_GONE),
    ("query is too old", Problem.QUERY_EXPIRED),
    ("query id is invalid", Problem.QUERY_EXPIRED),
)


def classify(exc: BadRequest) -> Problem:
    text = exc.message.lower()
    return next((problem for fragment, problem in _DESCRIPTIONS if fragment in text), Problem.OTHER)


class Delivery(enum.Enum):
    DELIVERED = "delivered"
    DROPPED = "dropped"  # certainly not delivered (and logged, counted)
    UNCERTAIN = "uncertain"  # timed out: perhaps delivered


@dataclass(frozen=True)
class Where:
    """Where a reply goes: the chat, the message it replies to (and the words it quotes), the topic."""

    chat_id: int
    reply_to: int | None = None
    quote: str | None = None
    thread: int | None = None

    def parameters(self) -> ReplyParameters | None:
        if self.reply_to is None:
            return None
        return ReplyParameters(self.reply_to, quote=self.quote, allow_sending_without_reply=True)


class _Failed(Exception):
    def __init__(self, delivery: Delivery) -> None:
        self.delivery = delivery


class Sender:
    """Bot API calls with retries, fallbacks and counted drops (see the module's docstring)."""

    def __init__(self, bot: Bot, metrics: Metrics, retries: int) -> None:
        self.bot = bot
        self.metrics = metrics
        self.retries = retries

    async def _call(self, method: str, make: Callable[[], Awaitable[T]], idempotent: bool) -> T:
        """One call; BadRequest is left to the caller, anything else retried or turned into :class:`_Failed`."""
        attempt = 0
        while True:
            try:
                return await make()
            except BadRequest:
                raise
            except TimedOut:
                if not idempotent or attempt >= self.retries:
                    log.warning("%s timed out; not retried, it may have arrived.", method)
                    self.metrics.dropped.labels(method, "timeout").inc()
                    raise _Failed(Delivery.UNCERTAIN) from None
            except Forbidden as exc:
                log.info("%s refused: %s", method, exc.message)
                self.metrics.dropped.labels(method, "forbidden").inc()
                raise _Failed(Delivery.DROPPED) from None
            except RetryAfter as exc:
                # PTB's rate limiter has already waited and retried as often as configured.
                log.warning("%s still flood-limited after the configured retries: %s", method, exc.message)
                self.metrics.dropped.labels(method, "flood").inc()
                raise _Failed(Delivery.DROPPED) from None
            except NetworkError as exc:
                if attempt >= self.retries:
                    log.warning("%s failed after %d retries: %s", method, attempt, exc.message)
                    self.metrics.dropped.labels(method, "network").inc()
                    raise _Failed(Delivery.DROPPED) from None
            except TelegramError as exc:
                log.warning("%s failed: %s", method, exc.message)
                self.metrics.dropped.labels(method, "error").inc()
                raise _Failed(Delivery.DROPPED) from None
            self.metrics.retries.labels(method).inc()
            await asyncio.sleep(BACKOFF_SECONDS * 2**attempt)
            attempt += 1

    async def send(
        self, where: Where, chunks: Sequence[str], markup: InlineKeyboardMarkup | None = None
    ) -> tuple[Delivery, Message | None]:
        """Send a reply that may span several messages; the buttons go under the last one."""
        last: Message | None = None
        for i, chunk in enumerate(chunks):
            delivery, sent = await self.send_one(where, chunk, markup if i == len(chunks) - 1 else None)
            if delivery is not Delivery.DELIVERED:
                return delivery, None
            last = sent
        return Delivery.DELIVERED, last

    async def send_one(
        self, where: Where, html: str, markup: InlineKeyboardMarkup | None = None
    ) -> tuple[Delivery, Message | None]:
        plain = False
        while True:
            text = render.to_plain(html) if plain else html

            def make(text: str = text, where: Where = where, plain: bool = plain) -> Awaitable[Message]:
                return self.bot.send_message(
                    where.chat_id, text, parse_mode=None if plain else ParseMode.HTML, reply_markup=markup,
                    reply_parameters=where.parameters(), message_thread_id=where.thread,
                )  # fmt: skip

            try:
                return Delivery.DELIVERED, await self._call("sendMessage", make, idempotent=False)
            except _Failed as failed:
                return failed.delivery, None
            except BadRequest as exc:
                problem = classify(exc)
                if problem is Problem.MARKUP and not plain:
                    log.warning("Telegram rejected the markup of a reply (%s); sending it as plain text.", exc.message)
                    plain = True
                elif problem in (Problem.QUOTE_INVALID, Problem.REPLY_GONE) and where.reply_to is not None:
                    where = replace(where, quote=None) if where.quote else replace(where, reply_to=None)
                elif problem is Problem.THREAD_GONE and where.thread is not None:
                    where = replace(where, thread=None, reply_to=None, quote=None)
                else:
                    log.warning("sendMessage refused: %s", exc.message)
                    self.metrics.dropped.labels("sendMessage", "bad_request").inc()
                    return Delivery.DROPPED, None

    async def edit(self, message: Message, chunks: Sequence[str], where: Where) -> Delivery:
        """Replace a progress message by the result; a long result continues in new messages.

        If the message cannot be edited (deleted meanwhile), the result is sent as a new message.
        """
        delivery = await self._edit_one(message, chunks[0])
        rest = list(chunks[1:])
        if delivery is Delivery.DROPPED:
            rest = list(chunks)
        elif delivery is Delivery.UNCERTAIN:
            return delivery
        return (await self.send(where, rest))[0] if rest else delivery

    async def _edit_one(self, message: Message, html: str) -> Delivery:
        for plain in (False, True):
            text = render.to_plain(html) if plain else html

            def make(text: str = text, plain: bool = plain) -> Awaitable[object]:
                return self.bot.edit_message_text(
                    text, chat_id=message.chat_id, message_id=message.message_id,
                    parse_mode=None if plain else ParseMode.HTML,
                )  # fmt: skip

            try:
                await self._call("editMessageText", make, idempotent=True)
                return Delivery.DELIVERED
            except _Failed as failed:
                return failed.delivery
            except BadRequest as exc:
                problem = classify(exc)
                if problem is Problem.NOT_MODIFIED:
                    return Delivery.DELIVERED  # a retried edit that had already arrived
                if problem is not Problem.MARKUP:
                    log.warning("editMessageText refused: %s", exc.message)
                    self.metrics.dropped.labels("editMessageText", "bad_request").inc()
                    return Delivery.DROPPED
        return Delivery.DROPPED

    async def edit_markup(self, message: Message, markup: InlineKeyboardMarkup | None) -> Delivery:
        def make() -> Awaitable[object]:
            return self.bot.edit_message_reply_markup(
                chat_id=message.chat_id, message_id=message.message_id, reply_markup=markup
            )

        try:
            await self._call("editMessageReplyMarkup", make, idempotent=True)
        except _Failed as failed:
            return failed.delivery
        except BadRequest as exc:
            if classify(exc) is not Problem.NOT_MODIFIED:
                self.metrics.dropped.labels("editMessageReplyMarkup", "bad_request").inc()
                log.info("editMessageReplyMarkup refused: %s", exc.message)
                return Delivery.DROPPED
        return Delivery.DELIVERED

    async def answer_query(self, query: CallbackQuery, text: str | None = None) -> Delivery:
        """Answer a button press (the spinner stops; ``text`` shows as a toast)."""

        def make() -> Awaitable[bool]:
            return query.answer(text)

        try:
            await self._call("answerCallbackQuery", make, idempotent=True)
        except _Failed as failed:
            return failed.delivery
        except BadRequest as exc:
            # Too old (a retry after a lost reply lands here too): nothing left to answer.
            reason = "expired" if classify(exc) is Problem.QUERY_EXPIRED else "bad_request"
            self.metrics.dropped.labels("answerCallbackQuery", reason).inc()
            log.info("answerCallbackQuery refused: %s", exc.message)
            return Delivery.DROPPED
        return Delivery.DELIVERED

    async def call(self, method: str, make: Callable[[], Awaitable[T]]) -> T | None:
        """Any other idempotent call (chat actions, inline answers): None when it failed, counted."""
        return (await self.call_classified(method, make))[0]

    async def call_classified(
        self, method: str, make: Callable[[], Awaitable[T]]
    ) -> tuple[T | None, Problem | None]:
        """:meth:`call`, also saying which 400 made it fail, so the caller may try another way."""
        try:
            return await self._call(method, make, idempotent=True), None
        except _Failed:
            return None, None
        except BadRequest as exc:
            problem = classify(exc)
            self.metrics.dropped.labels(method, "bad_request").inc()
            log.info("%s refused: %s", method, exc.message)
            return None, problem
