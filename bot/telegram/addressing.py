"""Who asked, in which language, where the answer goes, and whether a group message is meant for the bot."""

from __future__ import annotations

from telegram import Bot, MaybeInaccessibleMessage, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, filters

from bot import i18n
from bot.telegram.context import Context
from bot.telegram.sending import Where

# Telegram refuses a reply quote longer than this (characters of the quoted message).
MAX_QUOTE_CHARS = 1024


def language(update: Update) -> str:
    user = update.effective_user
    return i18n.language(user.language_code if user else None)


def user_id(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


def reply_place(message: MaybeInaccessibleMessage, quote: str | None = None) -> Where:
    """Where the answer to ``message`` goes.

    In groups an answer replies to the asker's message, quoting the words asked about; in a private
    chat a reply would only be clutter. In a forum topic the answer stays in that topic.
    """
    chat = message.chat
    if not isinstance(message, Message):
        # Older than 48 hours ("inaccessible"): we may still send to its chat, not reply to it.
        return Where(chat.id)
    thread = message.message_thread_id if message.is_topic_message else None
    if chat.type == ChatType.PRIVATE:
        return Where(chat.id, thread=thread)
    text = message.text or ""
    shown = quote if quote and quote in text and len(quote) <= MAX_QUOTE_CHARS and quote != text else None
    return Where(chat.id, reply_to=message.message_id, quote=shown, thread=thread)


def command_argument(message: Message) -> str:
    """The text after the leading command, spacing and line breaks kept."""
    text = message.text or ""
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            # The command is ASCII, so its UTF-16 length is its length in characters.
            return text[entity.length :].strip()
    return text.strip()


def _is_bot_mention(entity: MessageEntity, value: str, bot: Bot) -> bool:
    if entity.type == MessageEntity.TEXT_MENTION:
        return entity.user is not None and entity.user.id == bot.id
    # PTB's filters.Mention compares case-sensitively; Telegram usernames are case-insensitive.
    return entity.type == MessageEntity.MENTION and value[1:].lower() == (bot.username or "").lower()


def bot_mentions(message: Message) -> list[str]:
    bot = message.get_bot()
    kinds: list[str | None] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    try:
        entities = message.parse_entities(kinds)
    except UnicodeError:
        # Entities count UTF-16 units; text with a lone surrogate has none to count (Telegram itself
        # never sends one, a forged update may).
        return []
    return [value for entity, value in entities.items() if _is_bot_mention(entity, value, bot)]


def without_mentions(message: Message) -> str:
    """A group message's text without the mentions of the bot, spaces kept as they were elsewhere."""
    question = message.text or ""
    for mention in bot_mentions(message):
        question = question.replace(mention, " ", 1)
    return question.strip()


class _AddressedToBot(filters.MessageFilter):
    """Group messages meant for the bot: replies to its own messages, and mentions of it."""

    def filter(self, message: Message) -> bool:
        reply = message.reply_to_message
        # In forum topics every message replies to the topic's first message, whoever wrote it.
        if (
            reply is not None
            and reply.from_user is not None
            and reply.forum_topic_created is None
            and reply.from_user.id == message.get_bot().id
        ):
            return True
        return bool(bot_mentions(message))


ADDRESSED_TO_BOT = _AddressedToBot()


async def gate(update: Update, context: Context) -> None:
    """Stop updates from chats outside the allow-list, and updates with nothing to answer, before any handler."""
    data = context.bot_data
    chat = update.effective_chat
    if update.effective_user is None and chat is None:
        raise ApplicationHandlerStop  # a skipped, unparsable update: see bot.telegram.polling
    if data.access.allows(chat.id if chat else None, user_id(update)):
        return
    refusal = i18n.text(language(update), "not_allowed")
    sender = context.bot_data.sender
    if update.callback_query is not None:
        await sender.answer_query(update.callback_query, refusal)
    elif update.inline_query is not None:
        query = update.inline_query
        await sender.call("answerInlineQuery", lambda: query.answer([], cache_time=30))
    elif update.message is not None and update.message.chat.type == ChatType.PRIVATE:
        await sender.send(reply_place(update.message), [refusal])
    raise ApplicationHandlerStop
