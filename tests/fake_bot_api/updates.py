"""Updates the tests push into the fake server: messages, documents, button presses, inline queries."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fake_bot_api.methods import shallow, utf16_len


class StoredFile:
    def __init__(self, path: str, data: bytes, size: int) -> None:
        self.path = path
        self.data = data
        self.size = size


class UpdateMaker:
    """Mixed into :class:`tests.fake_bot_api.core.FakeBotAPI`."""

    _cond: Any
    updates: list[dict[str, Any]]
    files: dict[str, StoredFile]
    open_queries: set[str]
    _next_update: int
    _next_id: int

    new_message: Callable[..., dict[str, Any]]

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
        return self.new_message(chat, user, **fields)

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
            chat, user, text=text, entities=entities or None, reply_to_message=shallow(reply_to)
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


