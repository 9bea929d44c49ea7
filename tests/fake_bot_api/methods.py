"""The Bot API methods the fake server answers, with the checks Telegram makes."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from tests.fake_bot_api.telegram_html import TelegramHTMLError, parse_html

TEXT_LIMIT = 4096
CALLBACK_ANSWER_LIMIT = 200
DOWNLOAD_LIMIT = 20 * 1024 * 1024


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def shallow(message: dict[str, Any] | None) -> dict[str, Any] | None:
    # Telegram never nests reply_to_message more than one level deep.
    return None if message is None else {k: v for k, v in message.items() if k != "reply_to_message"}


class BotApiMethods:
    """Mixed into :class:`tests.fake_bot_api.core.FakeBotAPI`, whose state these methods read and change."""

    _cond: Any
    bot: dict[str, Any]
    chats: dict[int, dict[str, Any]]
    messages: dict[tuple[int, int], dict[str, Any]]
    commands: dict[tuple[str, str | None], list[dict[str, Any]]]
    webhook: dict[str, Any]
    updates: list[dict[str, Any]]
    files: dict[str, Any]
    open_queries: set[str]
    _closing: bool
    _next_message: int

    # -- Bot API methods ---------------------------------------------------------------------------

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        with self._cond:
            self.webhook = {}
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        with self._cond:
            self.webhook = dict(params)
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or not commands:
            raise ApiError(400, "Bad Request: commands must be non-empty")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: command description is invalid")
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") == "chat" and int(scope["chat_id"]) not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        with self._cond:
            self.commands[(json.dumps(scope, sort_keys=True), params.get("language_code"))] = commands
        return True

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset")
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self._cond:
            if offset is not None:
                # An offset confirms every update before it, as on Telegram.
                self.updates = [u for u in self.updates if u["update_id"] >= int(offset)]
            while not self.updates and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return list(self.updates[:limit])

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chats.get(int(params.get("chat_id", 0)))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _checked_text(self, text: Any, parse_mode: Any) -> str:
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        plain = text
        if parse_mode == "HTML":
            try:
                plain = parse_html(text)
            except TelegramHTMLError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        elif parse_mode is not None:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        return plain

    def _checked_markup(self, markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                data = button.get("callback_data")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return dict(markup)

    def new_message(self, chat: dict[str, Any], sender: dict[str, Any], **fields: Any) -> dict[str, Any]:
        with self._cond:
            self._next_message += 1
            message: dict[str, Any] = {
                "message_id": self._next_message, "date": int(time.time()), "chat": chat, "from": sender,
            }  # fmt: skip
            message.update({k: v for k, v in fields.items() if v is not None})
            self.messages[(chat["id"], message["message_id"])] = message
        return message

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        plain = self._checked_text(params.get("text"), params.get("parse_mode"))
        markup = self._checked_markup(params.get("reply_markup"))
        replied = None
        reply = params.get("reply_parameters")
        if reply is not None:
            replied = self.messages.get((chat["id"], int(reply["message_id"])))
            if replied is None and not reply.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
            # Telegram checks a reply's quote against the text of the message it replies to.
            quote = reply.get("quote")
            if quote is not None and replied is not None and quote not in str(replied.get("text", "")):
                raise ApiError(400, "Bad Request: QUOTE_TEXT_INVALID")
        return self.new_message(
            chat, self.bot, text=plain, reply_markup=markup, reply_to_message=shallow(replied),
            message_thread_id=params.get("message_thread_id"),
        )  # fmt: skip

    def _bot_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        message = self.messages.get((chat["id"], int(params.get("message_id", 0))))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._bot_message(params)
        plain = self._checked_text(params.get("text"), params.get("parse_mode"))
        markup = self._checked_markup(params.get("reply_markup"))
        with self._cond:
            if message.get("text") == plain and message.get("reply_markup") == markup:
                raise ApiError(400, "Bad Request: message is not modified")
            message["text"] = plain
            message.pop("reply_markup", None)
            if markup is not None:
                message["reply_markup"] = markup
        return message

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._bot_message(params)
        markup = self._checked_markup(params.get("reply_markup"))
        with self._cond:
            if message.get("reply_markup") == markup:
                raise ApiError(400, "Bad Request: message is not modified")
            message.pop("reply_markup", None)
            if markup is not None:
                message["reply_markup"] = markup
        return message

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = params.get("callback_query_id")
        with self._cond:
            if query_id not in self.open_queries:
                raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
            self.open_queries.discard(query_id)
        if len(str(params.get("text") or "")) > CALLBACK_ANSWER_LIMIT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _api_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        query_id = params.get("inline_query_id")
        results = params.get("results")
        if not isinstance(results, list):
            raise ApiError(400, "Bad Request: can't parse inline query results")
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids):
            raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            if not 1 <= len(str(result.get("id", "")).encode("utf-8")) <= 64:
                raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
            content = result.get("input_message_content") or {}
            self._checked_text(content.get("message_text"), content.get("parse_mode"))
        button = params.get("button")
        if button is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", str(button.get("start_parameter", ""))):
            raise ApiError(400, "Bad Request: START_PARAM_INVALID")
        with self._cond:
            if query_id not in self.open_queries:
                raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
            self.open_queries.discard(query_id)
        return True

    def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.size > DOWNLOAD_LIMIT:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": params["file_id"], "file_unique_id": "u" + str(params["file_id"]),
                "file_size": stored.size, "file_path": stored.path}  # fmt: skip

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        return True

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

