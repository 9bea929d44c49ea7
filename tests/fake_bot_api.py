"""A fake Telegram Bot API server on loopback, and a runner for the real PTB application against it.

The server speaks plain HTTP the way the Bot API does: ``POST /bot<token>/<method>`` with a
form-urlencoded body (PTB sends strings raw and every other value JSON-encoded), answers
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...}``, and serves
files at ``/file/bot<token>/<file_path>`` (the path arrives URL-quoted). It checks requests as Telegram
does — the 4096-character limit counted after entity parsing, the HTML tags Telegram allows, balanced
markup, 64-byte callback data, at most 50 inline results — and can be told to fail a method with a 429
(``retry_after``) or a 400 to see how the bot copes.

Tests push updates in (``send_text``, ``press``, ``inline``…) and wait for the calls that come out
(``wait_for``), so nothing sleeps for synchronisation: every wait is a condition with a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from telegram import Update
from telegram.ext import Application

from bot.config import PathsConfig, Settings, TelegramConfig
from bot.handlers import BotState, Engine, state_of
from bot.server import ALLOWED_UPDATES, build_application

TOKEN = "123456789:TEST-fake-token_for-tests"
TEXT_LIMIT = 4096
CALLBACK_ANSWER_LIMIT = 200
DOWNLOAD_LIMIT = 20 * 1024 * 1024
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote",
    "tg-spoiler", "span", "tg-emoji",
}  # fmt: skip
# Parameters PTB sends as raw strings; everything else arrives JSON-encoded.
RAW_STRINGS = {
    "text", "parse_mode", "callback_query_id", "inline_query_id", "file_id", "url", "secret_token",
    "language_code", "inline_message_id", "next_offset", "caption", "description", "short_description",
    "name", "emoji", "message_effect_id", "business_connection_id",
}  # fmt: skip


class TelegramHTMLError(ValueError):
    """Markup Telegram would refuse with "can't parse entities"."""


class _TelegramHTML(HTMLParser):
    """Telegram's HTML subset: known tags only, properly nested, with text escaped."""

    def __init__(self) -> None:
        # Entities are resolved by hand, so that a raw "<" in the data can be told from an escaped one.
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise TelegramHTMLError(f'Unsupported start tag "{tag}"')
        if tag == "span" and ("class", "tg-spoiler") not in attrs:
            raise TelegramHTMLError('Tag "span" must have class "tg-spoiler"')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise TelegramHTMLError(f'Unsupported start tag "{tag}/"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise TelegramHTMLError(f'Unexpected end tag "{tag}"')
        if self.stack[-1] != tag:
            raise TelegramHTMLError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1]}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        # A raw "<" that did not open a tag is still an error for Telegram.
        if "<" in data:
            raise TelegramHTMLError("Unexpected character '<'")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        # Telegram knows only these four named entities.
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in named:
            raise TelegramHTMLError(f'Unsupported HTML entity "&{name};"')
        self.text.append(named[name])

    def handle_charref(self, name: str) -> None:
        self.text.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))


def parse_html(markup: str) -> str:
    """The plain text of ``markup`` as Telegram shows it, or :class:`TelegramHTMLError`."""
    parser = _TelegramHTML()
    parser.feed(markup)
    parser.close()
    if parser.stack:
        raise TelegramHTMLError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"')
    return "".join(parser.text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


@dataclass
class Call:
    """One request the bot made, with what the fake answered."""

    method: str
    params: dict[str, Any]
    ok: bool
    result: Any = None
    error: str | None = None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def markup(self) -> dict[str, Any] | None:
        return self.params.get("reply_markup")

    def buttons(self) -> list[dict[str, Any]]:
        markup = self.markup or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Fault:
    code: int
    description: str
    retry_after: int | None
    times: int
    match: Callable[[dict[str, Any]], bool] | None


@dataclass
class StoredFile:
    path: str
    data: bytes
    size: int


@dataclass
class FakeBotAPI:
    """The server's state; ``start()`` serves it on a free loopback port."""

    bot: dict[str, Any] = field(
        default_factory=lambda: {
            "id": 7_000_001,
            "is_bot": True,
            "first_name": "QuoteBot",
            "username": "QuoteTestBot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
    )

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.files: dict[str, StoredFile] = {}
        self.downloads: list[str] = []
        self.commands: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] = {}
        self.open_queries: set[str] = set()
        self._faults: dict[str, list[Fault]] = defaultdict(list)
        self._next_update = 1
        self._next_message = 100
        self._next_id = 1
        self._closing = False
        self._httpd: _Server | None = None

    # -- serving -----------------------------------------------------------------------------------

    def start(self) -> None:
        api = self

        class Handler(_Handler):
            fake = api

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="fake-bot-api", daemon=True
        ).start()

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- faults ------------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        code: int = 400,
        description: str = "Bad Request: injected",
        retry_after: int | None = None,
        times: int = 1,
        match: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Answer the next ``times`` matching calls of ``method`` with this error."""
        with self._cond:
            self._faults[method].append(Fault(code, description, retry_after, times, match))

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for fault in self._faults[method]:
            if fault.times > 0 and (fault.match is None or fault.match(params)):
                fault.times -= 1
                return fault
        return None

    # -- requests ----------------------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call; record it, and wake whoever waits for it."""
        try:
            with self._cond:
                fault = self._take_fault(method, params)
            if fault is not None:
                raise ApiError(fault.code, fault.description, fault.retry_after)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = handler(params)
        except ApiError as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            self._record(Call(method, params, False, error=exc.description))
            return exc.code, body
        self._record(Call(method, params, True, result=result))
        return 200, {"ok": True, "result": result}

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def download(self, path: str) -> bytes | None:
        with self._cond:
            for stored in self.files.values():
                if stored.path == path:
                    self.downloads.append(path)
                    self._cond.notify_all()
                    return stored.data
        return None

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

    def _new_message(self, chat: dict[str, Any], sender: dict[str, Any], **fields: Any) -> dict[str, Any]:
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
        return self._new_message(
            chat, self.bot, text=plain, reply_markup=markup, reply_to_message=_shallow(replied),
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

    # -- updates the tests push ----------------------------------------------------------------------

    def _id(self) -> int:
        with self._cond:
            self._next_id += 1
            return self._next_id

    def push(self, payload: dict[str, Any]) -> int:
        """Queue one update (``update_id`` is added) for the bot's next getUpdates; returns its id."""
        with self._cond:
            update_id = self._next_update
            self._next_update += 1
            self.updates.append({"update_id": update_id, **payload})
            self._cond.notify_all()
        return update_id

    @staticmethod
    def user(user_id: int, language_code: str | None = "zh-hans", first_name: str = "读者") -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        self.chats[chat["id"]] = chat
        return chat

    def group_chat(self, chat_id: int, title: str = "读报小组") -> dict[str, Any]:
        chat = {"id": chat_id, "type": "supergroup", "title": title}
        self.chats[chat_id] = chat
        return chat

    def _message(self, chat: dict[str, Any], user: dict[str, Any], **fields: Any) -> dict[str, Any]:
        return self._new_message(chat, user, **fields)

    def send_text(
        self,
        chat: dict[str, Any],
        user: dict[str, Any],
        text: str,
        reply_to: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> int:
        """A user's text message, with the entities Telegram would attach (commands, @mentions)."""
        entities = _entities(text) if entities is None else entities
        message = self._message(
            chat, user, text=text, entities=entities or None, reply_to_message=_shallow(reply_to)
        )
        return self.push({"message": message})

    def send_document(
        self,
        chat: dict[str, Any],
        user: dict[str, Any],
        file_name: str,
        data: bytes,
        mime_type: str = "text/plain",
        declared_size: int | None = None,
    ) -> tuple[int, str]:
        """A document message; returns the update id and the file_id the bot would fetch."""
        file_id = f"file{self._id()}"
        size = len(data) if declared_size is None else declared_size
        with self._cond:
            # Telegram's own path, not the sender's name; the space and the CJK prove the download URL is
            # quoted by the bot and unquoted here.
            self.files[file_id] = StoredFile(f"documents/{file_id} 文档{Path(file_name).suffix}", data, size)
        document = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": file_name,
                    "mime_type": mime_type, "file_size": size}  # fmt: skip
        return self.push({"message": self._message(chat, user, document=document)}), file_id

    def send_sticker(self, chat: dict[str, Any], user: dict[str, Any]) -> int:
        sticker = {"file_id": f"st{self._id()}", "file_unique_id": "s", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False, "emoji": "😀"}  # fmt: skip
        return self.push({"message": self._message(chat, user, sticker=sticker)})

    def send_photo(self, chat: dict[str, Any], user: dict[str, Any], caption: str | None = None) -> int:
        photo = [{"file_id": f"ph{self._id()}", "file_unique_id": "p", "width": 90, "height": 90}]
        return self.push({"message": self._message(chat, user, photo=photo, caption=caption)})

    def edit_text(self, chat: dict[str, Any], user: dict[str, Any], message_id: int, text: str) -> int:
        message = {"message_id": message_id, "date": int(time.time()), "edit_date": int(time.time()),
                   "chat": chat, "from": user, "text": text, "entities": _entities(text) or None}  # fmt: skip
        return self.push({"edited_message": {k: v for k, v in message.items() if v is not None}})

    def press(self, user: dict[str, Any], message: dict[str, Any], data: str) -> tuple[int, str]:
        """A button press on one of the bot's messages; returns the update id and the query id."""
        query_id = f"cq{self._id()}"
        with self._cond:
            self.open_queries.add(query_id)
        chat_instance = str(message["chat"]["id"])
        query = {"id": query_id, "from": user, "chat_instance": chat_instance, "data": data,
                 "message": message}  # fmt: skip
        return self.push({"callback_query": query}), query_id

    def inline(self, user: dict[str, Any], query: str) -> tuple[int, str]:
        """An inline query (``@bot query`` typed in any chat); returns the update id and the query id."""
        query_id = f"iq{self._id()}"
        with self._cond:
            self.open_queries.add(query_id)
        payload = {"id": query_id, "from": user, "query": query, "offset": "", "chat_type": "sender"}
        return self.push({"inline_query": payload}), query_id

    # -- waiting for calls ---------------------------------------------------------------------------

    def mark(self) -> int:
        """A position in the call log: ``wait_for(..., since=mark)`` looks only at later calls."""
        with self._cond:
            return len(self.calls)

    def wait_for(
        self,
        method: str,
        match: Callable[[Call], bool] | None = None,
        since: int = 0,
        timeout: float = 10.0,
        count: int = 1,
    ) -> list[Call]:
        """The first ``count`` calls of ``method`` after ``since`` that ``match``; fails on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls[since:] if c.method == method and (match is None or match(c))]
                if len(found) >= count:
                    return found[:count]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(c.method, c.params.get("text", "")[:60], c.error) for c in self.calls[since:]]
                    raise AssertionError(f"timed out waiting for {count} × {method}; calls since: {seen}")
                self._cond.wait(remaining)

    def sent(self, chat_id: int, since: int = 0, timeout: float = 10.0, count: int = 1) -> list[Call]:
        """The next successful sendMessage calls to ``chat_id``."""
        return self.wait_for("sendMessage", lambda c: c.ok and c.chat_id == chat_id, since, timeout, count)

    def calls_of(self, method: str, since: int = 0) -> list[Call]:
        with self._cond:
            return [c for c in self.calls[since:] if c.method == method]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        with self._cond:
            return self.messages[(chat_id, message_id)]


def _shallow(message: dict[str, Any] | None) -> dict[str, Any] | None:
    # Telegram never nests reply_to_message more than one level deep.
    return None if message is None else {k: v for k, v in message.items() if k != "reply_to_message"}


def _entities(text: str) -> list[dict[str, Any]]:
    """The bot_command and mention entities Telegram would find, with UTF-16 offsets."""
    found = []
    command = re.match(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?", text)
    if command:
        found.append({"type": "bot_command", "offset": 0, "length": len(command.group())})
    for mention in re.finditer(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}", text):
        if command and mention.start() < command.end():
            continue
        offset = utf16_len(text[: mention.start()])
        found.append({"type": "mention", "offset": offset, "length": utf16_len(mention.group())})
    return found


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A bot process killed mid-request drops its connections; anything else is a bug worth seeing.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeBotAPI
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm on, the second waits for a delayed
    # ACK and every call takes 40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests assert on calls, not on access logs."""

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The bot may give up on a long poll it no longer needs (it is stopping): nothing to answer then.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self) -> None:
        # PTB quotes the whole path of a download URL, the token's colon included.
        path = unquote(urlsplit(self.path).path)
        prefix = f"/file/bot{TOKEN}/"
        if path.startswith(prefix):
            data = self.fake.download(path[len(prefix) :])
            if data is None:
                self._reply(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')
            else:
                self._reply(200, data, "application/octet-stream")
            return
        self._api(path, {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        kind = self.headers.get("Content-Type", "")
        params: dict[str, Any] = {}
        if kind.startswith("application/json") and raw:
            params = json.loads(raw)
        elif raw:
            for key, values in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items():
                params[key] = values[-1] if key in RAW_STRINGS else _json_or_raw(values[-1])
        self._api(urlsplit(self.path).path, params)

    def _api(self, path: str, params: dict[str, Any]) -> None:
        prefix = f"/bot{TOKEN}/"
        if not path.startswith(prefix):
            self._reply(401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}')
            return
        status, body = self.fake.handle(path[len(prefix) :], params)
        self._reply(status, json.dumps(body, ensure_ascii=False).encode("utf-8"))


def _json_or_raw(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class BotRunner:
    """The real PTB application, built by ``bot.server``, on its own event loop in a thread.

    It starts the way ``run_polling`` does (initialize, post_init, start polling, start) and stops the
    same way in reverse, so the tests exercise exactly what ``quotebot serve`` runs.
    """

    def __init__(
        self,
        api: FakeBotAPI,
        settings: Settings,
        engine: Engine,
        poll_timeout: int = 1,
        webhook: dict[str, Any] | None = None,
    ) -> None:
        self.api = api
        self.settings = settings
        self.engine = engine
        self.poll_timeout = poll_timeout
        self.webhook = webhook
        self.processed: set[int] = set()
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="bot-loop", daemon=True)
        self.app: Application | None = None

    @property
    def state(self) -> BotState:
        assert self.app is not None
        return state_of(self.app)

    def _run(self, coroutine: Any, timeout: float = 20.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def start(self) -> BotRunner:
        self._thread.start()
        self._run(self._start())
        return self

    async def _start(self) -> None:
        app = build_application(self.settings, self.engine, TOKEN, base_url=self.api.base_url)
        self.app = app
        original = app.process_update

        async def traced(update: object) -> None:
            try:
                await original(update)
            finally:
                if isinstance(update, Update):
                    with self._cond:
                        self.processed.add(update.update_id)
                        self._cond.notify_all()

        app.process_update = traced  # type: ignore[method-assign]
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        if self.webhook is None:
            await app.updater.start_polling(timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES)
        else:
            await app.updater.start_webhook(**self.webhook)
        await app.start()

    def stop(self) -> None:
        try:
            self._run(self._stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()

    async def _stop(self) -> None:
        app = self.app
        if app is None:
            return
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)

    def wait_processed(self, update_id: int, timeout: float = 10.0) -> None:
        """Block until the application has finished handling ``update_id`` (handlers and errors)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while update_id not in self.processed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"update {update_id} was not processed within {timeout} s")
                self._cond.wait(remaining)


@contextmanager
def running_bot(api: FakeBotAPI, settings: Settings, engine: Engine, **options: Any) -> Iterator[BotRunner]:
    runner = BotRunner(api, settings, engine, **options)
    try:
        yield runner.start()
    finally:
        runner.stop()


def make_settings(root: Path, **telegram: Any) -> Settings:
    """Settings whose every path lies under ``root``; ``telegram`` overrides TelegramConfig keys."""
    paths = PathsConfig(articles=root / "articles", index=root / "index", cache=root / "cache")
    return Settings(paths=paths, telegram=TelegramConfig(**telegram), base_dir=root)
