"""Admins add a web page by sending its link in a private chat, as ``quotebot index add URL`` does.

A message whose whole text is one http(s) link is a link to add when an admin sends it; anyone else
asks it as a question, as before. Fetching and indexing run off the event loop, one index change at a
time (like uploads); a bad link gets the engine's one sentence, and nothing in the index changes.
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import Update
from telegram.ext import filters

from bot import i18n, render
from bot.telegram import questions
from bot.telegram.addressing import language, reply_place, user_id
from bot.telegram.admin import public
from bot.telegram.context import BotData, Context, Report
from index.errors import QuoteBotError

log = logging.getLogger(__name__)

# The whole message is one link: "看看这个 https://…" is a question, not a link to index.
LINK = re.compile(r"\s*(https?://\S+)\s*", re.I)
LINK_MESSAGE = filters.Regex(re.compile(rf"\A{LINK.pattern}\Z", re.I))


def link_in(text: str | None) -> str | None:
    """The link a message consists of, or None."""
    match = LINK.fullmatch(text or "")
    return match.group(1) if match else None


async def add_link(update: Update, context: Context) -> None:
    """Index the page an admin links to; a non-admin's link is a question like any other text."""
    message = update.message
    if message is None:
        return
    data = context.bot_data
    url = link_in(message.text)
    if url is None or not data.access.is_admin(user_id(update)):
        await questions.private_question(update, context)
        return
    lang, where, sender = language(update), reply_place(message), data.sender
    _, progress = await sender.send(where, [i18n.text(lang, "link_busy")])
    if progress is None:
        return
    try:
        async with data.index_lock:
            report = await asyncio.to_thread(data.engine.add_urls, [url])
    except (QuoteBotError, OSError) as exc:
        log.warning("Adding the link %s failed: %s", url, exc)
        reason = public(str(exc), data.private_paths)
        await sender.edit(progress, [i18n.text(lang, "link_failed", reason=reason)], where)
        return
    for failed_url, reason in report.failed:
        log.info("The link %s was not added: %s", failed_url, reason)
    if report.added:
        generation = (await asyncio.to_thread(data.engine.stats)).get("generation", 0)
        data.metrics.generation.set(generation)
    lines = link_lines(report, lang, data) or [i18n.text(lang, "link_nothing")]
    await sender.edit(progress, render.pack(lines, separator="\n"), where)


def link_lines(report: Report, lang: str, data: BotData) -> list[str]:
    """What adding a link did: each article's title and date, or the one sentence saying why not."""
    lines = []
    for info in report.added:
        about = " · ".join(p for p in (info.date, info.outlet) if p) or i18n.TEXTS[lang]["link_undated"]
        lines.append(i18n.text(lang, "link_added", title=info.title, about=about, id=info.article_id,
                               chunks=info.chunks))  # fmt: skip
    for info in report.unchanged:
        lines.append(i18n.text(lang, "upload_unchanged", title=info.title))
    for _, reason in report.failed:
        lines.append(i18n.text(lang, "link_failed", reason=public(reason, data.private_paths)))
    return lines
