"""A fake Telegram Bot API server on loopback: state, injected faults, HTTP, and waiting for calls.

The server speaks plain HTTP the way the Bot API does: ``POST /bot<token>/<method>`` with a
form-urlencoded body (PTB sends strings raw and every other value JSON-encoded), answers
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...}``, and serves
files at ``/file/bot<token>/<file_path>`` (the path arrives URL-quoted). It checks requests as Telegram
does — the 4096-character limit counted after entity parsing, the HTML tags Telegram allows, balanced
markup, 64-byte callback data, at most 50 inline results — and can be told to fail a method with a 429
(``retry_after``), any other status, a dropped connection or a slow answer to see how the bot copes.

Tests push updates in (``send_text``, ``press``, ``inline``…) and wait for the calls that come out
(``wait_for``), so nothing sleeps for synchronisation: every wait is a condition with a timeout.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fake_bot_api.methods import ApiError, BotApiMethods
from tests.fake_bot_api.updates import StoredFile, UpdateMaker

TOKEN = "123456789:TEST-fake-token_for-tests"
# Parameters PTB sends as raw strings; everything else arrives JSON-encoded.
RAW_STRINGS = {
    "text", "parse_mode", "callback_query_id", "inline_query_id", "file_id", "url", "secret_token",
    "language_code", "inline_message_id", "next_offset", "caption", "description", "short_description",
    "name", "emoji", "message_effect_id", "business_connection_id",
}  # fmt: skip


@dataclass
class Call:
    """One request the bot made, with what the fake answered."""

    method: str
    params: dict[str, Any]
    ok: bool
    result: Any = None
    error: str | None = None
    at: float = field(default_factory=time.monotonic)

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
    """An injected failure: an error answer, a connection dropped unanswered, or a slow answer."""

    code: int
    description: str
    retry_after: int | None
    times: int
    match: Callable[[dict[str, Any]], bool] | None
    kind: str = "error"  # "error", "drop" (no answer, no effect) or "slow" (done, answered late)
    delay: float = 0.0


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    delay: float = 0.0
    drop: bool = False


BOT_USER = {
    "id": 7_000_001, "is_bot": True, "first_name": "QuoteBot", "username": "QuoteTestBot",
    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True,
}  # fmt: skip


class FakeBotAPI(BotApiMethods, UpdateMaker):
    """The server's state; ``start()`` serves it on a free loopback port."""

    def __init__(self) -> None:
        self.bot: dict[str, Any] = dict(BOT_USER)
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
        kind: str = "error",
        delay: float = 0.0,
    ) -> None:
        """Fail the next ``times`` matching calls of ``method``: with this error (``kind="error"``), by
        closing the connection unanswered (``"drop"``), or by doing the call and answering it ``delay``
        seconds late (``"slow"``)."""
        with self._cond:
            self._faults[method].append(Fault(code, description, retry_after, times, match, kind, delay))

    def take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for fault in self._faults[method]:
            if fault.times > 0 and (fault.match is None or fault.match(params)):
                fault.times -= 1
                return fault
        return None

    # -- requests ----------------------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> Reply:
        """Answer one Bot API call; record it, and wake whoever waits for it."""
        with self._cond:
            fault = self.take_fault(method, params)
        if fault is not None and fault.kind == "drop":
            self._record(Call(method, params, False, error="dropped"))
            return Reply(0, {}, drop=True)
        delay = fault.delay if fault is not None and fault.kind == "slow" else 0.0
        try:
            if fault is not None and fault.kind == "error":
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
            return Reply(exc.code, body, delay)
        self._record(Call(method, params, True, result=result))
        return Reply(200, {"ok": True, "result": result}, delay)

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
        reply = self.fake.handle(path[len(prefix) :], params)
        if reply.drop:
            # A connection that breaks before the answer: the bot sees a network error.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.delay:
            time.sleep(reply.delay)
        self._reply(reply.status, json.dumps(reply.body).encode("utf-8"))


def _json_or_raw(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


