"""Inline mode: ``@ThisBot 问题`` in any chat offers the top quotes as results to pick from."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineQueryResultArticle, InlineQueryResultsButton, InputTextMessageContent, Update
from telegram.constants import InlineQueryLimit, ParseMode

from bot import i18n, render
from bot.limits import clean_text
from bot.telegram.addressing import language, user_id
from bot.telegram.context import Context
from bot.telegram.questions import admit, problem_with, wait_text
from bot.telegram.sending import Problem
from bot.telegram.workload import Busy
from index import Quote

# Inline answers change when an admin adds an article, so Telegram may cache them only briefly.
INLINE_CACHE_SECONDS = 30


async def inline_query(update: Update, context: Context) -> None:
    """Offer the top quotes for ``@ThisBot 问题`` as inline results."""
    query = update.inline_query
    if query is None:
        return
    data, lang = context.bot_data, language(update)
    sender = data.sender
    # Telegram cuts inline queries at 256 characters itself; the bot's own limit may be lower.
    question = clean_text(query.query).strip()
    most = min(data.limits.question_chars, InlineQueryLimit.MAX_QUERY_LENGTH)
    if problem_with(question, lang, "empty", most) is not None:
        await sender.call("answerInlineQuery", lambda: query.answer([], cache_time=INLINE_CACHE_SECONDS))
        return
    verdict = admit(data, user_id(update))
    if not verdict.allowed:
        wait = InlineQueryResultsButton(text=render.to_plain(wait_text(verdict, lang)), start_parameter="help")
        await sender.call("answerInlineQuery", lambda: query.answer([], cache_time=0, button=wait))
        return
    top = min(data.inline_results, InlineQueryLimit.RESULTS)
    try:
        with data.workload.admit():
            answer = await data.workload.search(data.engine.ask, question, top)
    except Busy:
        busy = InlineQueryResultsButton(text=i18n.text(lang, "busy_inline"), start_parameter="help")
        await sender.call("answerInlineQuery", lambda: query.answer([], cache_time=0, button=busy))
        return
    data.questions += 1
    if not answer.found or not answer.quotes:
        hint = InlineQueryResultsButton(text=i18n.text(lang, "inline_nothing"), start_parameter="help")
        await sender.call("answerInlineQuery", lambda: query.answer([], cache_time=INLINE_CACHE_SECONDS, button=hint))
        return
    quotes = answer.quotes[: InlineQueryLimit.RESULTS]
    html = results(quotes, html=True)
    _, problem = await sender.call_classified(
        "answerInlineQuery", lambda: query.answer(html, cache_time=INLINE_CACHE_SECONDS)
    )
    if problem is Problem.MARKUP:
        plain = results(quotes, html=False)
        await sender.call("answerInlineQuery", lambda: query.answer(plain, cache_time=INLINE_CACHE_SECONDS))


def results(quotes: Sequence[Quote], html: bool) -> list[InlineQueryResultArticle]:
    out = []
    for i, quote in enumerate(quotes):
        message = render.inline_message(quote)
        content = (
            InputTextMessageContent(message, parse_mode=ParseMode.HTML)
            if html
            else InputTextMessageContent(render.to_plain(message))
        )
        out.append(
            InlineQueryResultArticle(
                id=str(i),
                title=render.inline_title(quote),
                description=render.inline_description(quote),
                input_message_content=content,
            )
        )
    return out
