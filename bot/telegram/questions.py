"""Questions: check, rate-limit, search on a search thread, reply with quotes and buttons; /start and /help."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from dataclasses import dataclass
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction

from bot import i18n, render
from bot.access import Verdict
from bot.feedback import VotedQuote
from bot.limits import clean_text
from bot.telegram.addressing import command_argument, language, reply_place, user_id, without_mentions
from bot.telegram.context import BotData, Context
from bot.telegram.sending import Delivery, Where
from bot.telegram.workload import Busy
from index import Answer, Page

CONTEXT_BUTTONS_PER_ROW = 5


@dataclass(frozen=True)
class Composed:
    """An answer ready to send: the engine's result, the messages and the buttons under the last one."""

    answer: Answer
    chunks: list[str]
    markup: InlineKeyboardMarkup | None


def problem_with(question: str, lang: str, empty_key: str, most: int) -> str | None:
    """Why a question cannot be asked, or None when it can."""
    if not question:
        return i18n.text(lang, empty_key)
    if len(question) > most:
        return i18n.text(lang, "too_long", n=most)
    # Emoji, punctuation and stray symbols carry nothing to search for. CJK characters are alphanumeric.
    if not any(ch.isalnum() for ch in question):
        return i18n.text(lang, "no_words")
    return None


def admit(data: BotData, user: int | None) -> Verdict:
    """Apply the per-user rate limit; admins are exempt, they may be testing a fresh upload."""
    if user is None or data.access.is_admin(user):
        return Verdict(True)
    return data.limiter.hit(user)


def wait_text(verdict: Verdict, lang: str) -> str:
    return i18n.text(lang, "rate_limited", seconds=max(1, math.ceil(verdict.wait)))


def article_file(data: BotData, article_id: str) -> str | None:
    """The file name an article came from (what the news set's ``article`` field holds)."""
    info = next((a for a in data.engine.articles() if a.article_id == article_id), None)
    return Path(info.source).name if info is not None else None


def keyboard(
    data: BotData, question: str, answer: Answer, lang: str, vote_row: int | None
) -> InlineKeyboardMarkup | None:
    """上下文 for each quote; 更多 when another page follows; 👍/👎 to vote on the answer."""
    if not isinstance(answer, Page):
        return None
    label = i18n.TEXTS[lang]["context"]
    single = len(answer.quotes) == 1 and answer.start == 0
    buttons = [
        InlineKeyboardButton(
            label if single else f"{label} {answer.start + i + 1}",
            callback_data=data.buttons.context(quote.article_id, quote.paragraph),
        )
        for i, quote in enumerate(answer.quotes)
    ]
    rows = [buttons[i : i + CONTEXT_BUTTONS_PER_ROW] for i in range(0, len(buttons), CONTEXT_BUTTONS_PER_ROW)]
    if answer.has_more and answer.next_cursor is not None:
        more = data.buttons.more(question, answer.next_cursor)
        rows.append([InlineKeyboardButton(i18n.TEXTS[lang]["more"], callback_data=more)])
    if vote_row is not None:
        rows.append([
            InlineKeyboardButton("👍", callback_data=f"v:{vote_row}:u"),
            InlineKeyboardButton("👎", callback_data=f"v:{vote_row}:d"),
        ])  # fmt: skip
    return InlineKeyboardMarkup(rows)


def compose(data: BotData, question: str, lang: str, cursor: str | None = None) -> Composed:
    """Search and render, on a search thread: SQLite writes for the buttons stay off the event loop."""
    answer = data.engine.ask(question, data.top_k, cursor)
    vote_row = None
    if isinstance(answer, Page):
        voted = [
            VotedQuote(q.text, article_file(data, q.article_id), q.speaker.name if q.speaker else None)
            for q in answer.quotes
        ]
        vote_row = data.feedback.record(question, voted)
    articles = [] if answer.found or cursor is not None else data.engine.articles()
    chunks = render.render_answer(answer, articles, lang)
    return Composed(answer, chunks, keyboard(data, question, answer, lang, vote_row))


async def answer_question(update: Update, context: Context, question: str, empty_key: str = "empty") -> None:
    """The one path every question takes: check it, rate-limit it, search off the loop, reply."""
    message = update.effective_message
    if message is None:
        return
    data, lang, user = context.bot_data, language(update), user_id(update)
    started = time.monotonic()
    question = clean_text(question).strip()
    where = reply_place(message, question)
    problem = problem_with(question, lang, empty_key, data.limits.question_chars)
    if problem is not None:
        data.metrics.questions.labels("refused").inc()
        await data.sender.send(where, [problem])
        return
    verdict = admit(data, user)
    if not verdict.allowed:
        data.metrics.questions.labels("rate_limited").inc()
        if verdict.notify:
            await data.sender.send(where, [wait_text(verdict, lang)])
        return
    try:
        with data.workload.admit():
            async with data.workload.turn(where.chat_id):
                typing = Typing(context, where, data.typing_after)
                try:
                    composed = await data.workload.search(compose, data, question, lang)
                finally:
                    await typing.done()
                data.questions += 1
                # Counted before sending: whoever sees the reply (a test, a monitor) sees it counted.
                data.metrics.questions.labels("found" if composed.answer.found else "not_found").inc()
                delivery, _ = await data.sender.send(where, composed.chunks, composed.markup)
    except Busy:
        data.metrics.questions.labels("busy").inc()
        await data.sender.send(where, [i18n.text(lang, "busy_try_again")])
        return
    if delivery is Delivery.DELIVERED:
        data.metrics.latency.observe(time.monotonic() - started)


class Typing:
    """ "typing…" in the chat while a search runs, once it has run ``after`` seconds.

    A quick answer needs no typing indicator, and every chat action counts against Telegram's flood
    limit like a message: under load, sending one per question would halve the answers per second.
    """

    def __init__(self, context: Context, where: Where, after: float) -> None:
        self._started = False
        self._task = asyncio.ensure_future(self._show(context, where, after))

    async def _show(self, context: Context, where: Where, after: float) -> None:
        if after:
            await asyncio.sleep(after)
        self._started = True
        bot = context.bot
        await context.bot_data.sender.call(
            "sendChatAction",
            lambda: bot.send_chat_action(where.chat_id, ChatAction.TYPING, message_thread_id=where.thread),
        )

    async def done(self) -> None:
        """The answer is ready: let a chat action already on its way finish, skip one not yet sent."""
        if not self._started:
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def start(update: Update, context: Context) -> None:
    """What the bot knows and how to ask it; ``/start <article_id>`` (a deep link) opens that article."""
    message = update.effective_message
    if message is None:
        return
    data, lang = context.bot_data, language(update)
    payload = command_argument(message) if update.message is not None else ""
    if payload and render.DEEP_LINK.fullmatch(payload):
        opened = await asyncio.to_thread(render_article, data, payload, lang)
        if opened is not None:
            await data.sender.send(reply_place(message), opened)
            return
    articles = await asyncio.to_thread(data.engine.articles)
    admin = data.access.is_admin(user_id(update))
    chunks = render.render_help(articles, lang, context.bot.username, admin)
    await data.sender.send(reply_place(message), chunks)


def render_article(data: BotData, article_id: str, lang: str) -> list[str] | None:
    info = next((a for a in data.engine.articles() if a.article_id == article_id), None)
    if info is None:
        return None
    return render.render_article_intro(info, data.engine.paragraph(article_id, 0), lang)


async def ask(update: Update, context: Context) -> None:
    """Answer /ask 问题 (and /ask@ThisBot 问题; PTB already skips /ask@OtherBot)."""
    if update.message is not None:
        await answer_question(update, context, command_argument(update.message))


async def private_question(update: Update, context: Context) -> None:
    """In a private chat any text is a question."""
    if update.message is not None:
        await answer_question(update, context, update.message.text or "", "empty_private")


async def group_question(update: Update, context: Context) -> None:
    """Answer a group message that mentions the bot or replies to it, without the mention itself."""
    if update.message is not None:
        await answer_question(update, context, without_mentions(update.message))


async def unknown_command(update: Update, context: Context) -> None:
    """Point a private chat's unknown command to /help."""
    if update.effective_message is not None:
        text = i18n.text(language(update), "unknown_command")
        await context.bot_data.sender.send(reply_place(update.effective_message), [text])


async def unsupported(update: Update, context: Context) -> None:
    """Tell a private chat that stickers, photos and the like cannot be answered."""
    if update.effective_message is not None:
        text = i18n.text(language(update), "unsupported")
        await context.bot_data.sender.send(reply_place(update.effective_message), [text])

