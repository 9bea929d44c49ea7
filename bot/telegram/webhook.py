"""The webhook server: Telegram's updates, ``/healthz`` and Prometheus ``/metrics`` on one port.

PTB's own webhook server serves the update path only; this one (tornado, which PTB's webhooks extra
installs) adds the two operational endpoints. Updates are checked like PTB does it: the secret token
header must match (compared in constant time), the body must be JSON of an update. An update that
cannot be parsed is acknowledged (so Telegram does not send it again and again), logged once and
counted.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

import tornado.web
from telegram import Update
from tornado.httpserver import HTTPServer

from bot.telegram.context import App

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class _Updates(tornado.web.RequestHandler):
    def initialize(self, bot_app: App, secret: str) -> None:
        self.application_ = bot_app
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            self.set_status(403)
            return
        try:
            update = Update.de_json(json.loads(self.request.body), self.application_.bot)
        except Exception as exc:  # noqa: BLE001 - any parse failure means the same: skip it
            log.warning("Skipped a webhook update that cannot be read (%s: %s).", type(exc).__name__, exc)
            self.application_.bot_data.metrics.skipped_updates.inc()
            return
        await self.application_.update_queue.put(update)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        log.warning("Webhook request failed: %s", value)


class _Health(tornado.web.RequestHandler):
    def initialize(self, bot_app: App) -> None:
        self.application_ = bot_app

    def get(self) -> None:
        data = self.application_.bot_data
        try:
            stats = data.engine.stats()
        except Exception as exc:  # noqa: BLE001 - anything wrong with the index is "unhealthy"
            self.set_status(503)
            self.write({"status": "unavailable", "reason": type(exc).__name__})
            return
        running = self.application_.running
        self.set_status(200 if running else 503)
        self.write({"status": "ok" if running else "stopping", "generation": stats.get("generation", 0),
                    "articles": stats.get("articles", 0), "searches": data.workload.pending})  # fmt: skip


class _Metrics(tornado.web.RequestHandler):
    def initialize(self, bot_app: App) -> None:
        self.application_ = bot_app

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.write(self.application_.bot_data.metrics.exposition())


class WebhookServer:
    def __init__(self, application: App, listen: str, port: int, url_path: str, secret: str) -> None:
        routes: list[Any] = [
            (rf"/{url_path.strip('/')}", _Updates, {"bot_app": application, "secret": secret}),
            (r"/healthz", _Health, {"bot_app": application}),
            (r"/metrics", _Metrics, {"bot_app": application}),
        ]
        self._app = tornado.web.Application(routes, log_function=lambda handler: None)
        self._server: HTTPServer | None = None
        self.listen, self.port = listen, port

    def start(self) -> None:
        self._server = HTTPServer(self._app)
        self._server.listen(self.port, self.listen)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
