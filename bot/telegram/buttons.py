"""The buttons under an answer, each routed by its callback-data pattern (see :mod:`bot.callbacks`).

A press while the previous press on the same message is still being answered gets "still working" at
once instead of a place in a queue; 更多 and 上下文 count against the per-user rate limit like questions.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler

from bot import i18n, render
from bot.callbacks import CONTEXT_PATTERN, MORE_PATTERN, VOTE_PATTERN, More, parse_vote
from bot.callbacks import Context as ContextRequest
from bot.telegram.addressing import language, reply_place, user_id
from bot.telegram.context import Context
from bot.telegram.questions import admit, compose, wait_text
from bot.telegram.workload import Busy
from index import Page

R = TypeVar("R", More, ContextRequest)


@contextlib.asynccontextmanager
async def pressed(update: Update, context: Context, kind: type[R]) -> AsyncIterator[R | None]:
    """The press's request while it is being served, or None when the press was already answered:
    data of another kind ("expired"), a press on a message still being served, a user over the limit."""
    query = update.callback_query
    assert query is not None and query.message is not None  # the handlers checked
    data, lang = context.bot_data, language(update)
    request = data.buttons.parse(query.data)
    if not isinstance(request, kind):
        await data.sender.answer_query(query, i18n.text(lang, "expired"))
        yield None
        return
    with data.workload.press(query.message.chat.id, query.message.message_id) as first:
        if not first:
            await data.sender.answer_query(query, i18n.text(lang, "still_working"))
            yield None
            return
        verdict = admit(data, user_id(update))
        if not verdict.allowed:
            await data.sender.answer_query(query, render.to_plain(wait_text(verdict, lang)))
            yield None
            return
        yield request


async def more(update: Update, context: Context) -> None:
    """更多: the next page of the question's quotes, sent as a new message."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    data, lang = context.bot_data, language(update)
    async with pressed(update, context, More) as request:
        if request is None:
            return
        try:
            with data.workload.admit():
                composed = await data.workload.search(compose, data, request.question, lang, request.cursor)
        except Busy:
            await data.sender.answer_query(query, i18n.text(lang, "busy_try_again"))
            return
        if not isinstance(composed.answer, Page):
            await data.sender.answer_query(query, i18n.text(lang, "no_more"))
            return
        await data.sender.answer_query(query)
        await data.sender.send(reply_place(query.message), composed.chunks, composed.markup)
        if isinstance(query.message, Message):
            await drop_button(context, query.message, query.data)


async def drop_button(context: Context, message: Message, data: str | None) -> None:
    """Take a used 更多 off its message, so the next page is asked for from the newest one."""
    if message.reply_markup is None:
        return
    rows = [[b for b in row if b.callback_data != data] for row in message.reply_markup.inline_keyboard]
    kept = [row for row in rows if row]
    await context.bot_data.sender.edit_markup(message, InlineKeyboardMarkup(kept) if kept else None)


async def paragraph(update: Update, context: Context) -> None:
    """上下文: the whole paragraph a quote comes from."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    data, lang = context.bot_data, language(update)
    async with pressed(update, context, ContextRequest) as request:
        if request is None:
            return
        found = await asyncio.to_thread(data.engine.paragraph, request.article_id, request.paragraph)
        if found is None:
            await data.sender.answer_query(query, i18n.text(lang, "gone"))
            return
        articles = await asyncio.to_thread(data.engine.articles)
        info = next((a for a in articles if a.article_id == request.article_id), None)
        await data.sender.answer_query(query)
        await data.sender.send(reply_place(query.message), render.render_paragraph(found, info, lang))


async def vote(update: Update, context: Context) -> None:
    """👍/👎: keep the vote with the question and its quotes."""
    query = update.callback_query
    if query is None:
        return
    data, lang, user = context.bot_data, language(update), user_id(update)
    parsed = parse_vote(query.data)
    if parsed is None or user is None:
        await data.sender.answer_query(query, i18n.text(lang, "expired"))
        return
    row, up = parsed
    known = await asyncio.to_thread(data.feedback.vote, row, user, up)
    await data.sender.answer_query(query, i18n.text(lang, "voted" if known else "expired"))


async def expired(update: Update, context: Context) -> None:
    """Data we did not make, or made by an older version: the button cannot be served."""
    if update.callback_query is not None:
        await context.bot_data.sender.answer_query(update.callback_query, i18n.text(language(update), "expired"))


HANDLERS = [
    CallbackQueryHandler(more, pattern=MORE_PATTERN),
    CallbackQueryHandler(paragraph, pattern=CONTEXT_PATTERN),
    CallbackQueryHandler(vote, pattern=VOTE_PATTERN),
    CallbackQueryHandler(expired),
]
