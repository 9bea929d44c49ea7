"""The Bot API connection used for getUpdates: unparsable updates are skipped, a revoked token stops the bot.

PTB parses a whole getUpdates batch at once; one update it cannot parse (a message without ``chat`` or
``date``) fails the batch, which is fetched again at once, forever, with a CRITICAL log line each time.
Here each update is checked on its own before PTB sees the batch: a bad one is logged once, counted,
and replaced by its bare ``update_id``, so PTB confirms it with the next offset and no handler sees it.

A 401 ends PTB's polling loop for good while the process lives on, answering nobody. The request tells
the lifecycle instead (``on_unauthorized``), which stops the bot with a non-zero exit a supervisor
restarts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest, RequestData

from bot.telegram.metrics import Metrics

log = logging.getLogger(__name__)


class PollingRequest(HTTPXRequest):
    def __init__(self, metrics: Metrics, on_unauthorized: Callable[[], None], **options: Any) -> None:
        super().__init__(**options)
        self._metrics = metrics
        self._on_unauthorized = on_unauthorized

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        write_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: Any = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        code, payload = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if code == HTTPStatus.UNAUTHORIZED:
            # Stop the bot ourselves (a one-line exit); PTB would only end its polling loop, with a
            # traceback, and leave the process running. Until the stop, polls come back empty.
            self._on_unauthorized()
            return HTTPStatus.OK, b'{"ok": true, "result": []}'
        if code == HTTPStatus.OK and url.endswith("/getUpdates"):
            payload = self._readable(payload)
        return code, payload

    def _readable(self, payload: bytes) -> bytes:
        try:
            body = json.loads(payload)
        except ValueError:
            return payload  # PTB reports a body that is not JSON itself
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, list):
            return payload
        checked = [self._update(raw) for raw in result]
        if checked == result:
            return payload
        return json.dumps({**body, "result": checked}).encode()

    def _update(self, raw: Any) -> Any:
        try:
            Update.de_json(raw, None)
            return raw
        except Exception as exc:  # noqa: BLE001 - any parse failure means the same: skip it
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            log.warning("Skipped update %s: it cannot be read (%s: %s).", update_id, type(exc).__name__, exc)
            self._metrics.skipped_updates.inc()
            return {"update_id": update_id}
