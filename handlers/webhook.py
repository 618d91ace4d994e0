"""Updates by webhook: Telegram POSTs each update here; it is committed to the inbox before the 200 is answered.

A small tornado server of our own, not python-telegram-bot's `start_webhook`: that one answers 200 once the update
sits in a memory queue (not in the database), parses it first and answers an update it cannot parse with 400, which
Telegram retries, and logs such an update's whole payload. Tornado is the server PTB's webhooks extra brings."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.config import WebhookSettings

log = logging.getLogger(__name__)
SECRET_ENV = "KULTURLOTS_WEBHOOK_SECRET"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_FORM = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts as secret_token
PORTS = (443, 80, 88, 8443)  # the ports Telegram posts to (a proxy in front may forward to any)
BODY_MAX = 4 * 2**20  # an update is a few kilobytes; a larger body is no update

Receive = Callable[[dict[str, Any]], Awaitable[None]]


class WebhookError(ValueError):
    """A webhook that cannot be set up as configured; the message says what to change."""


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where Telegram posts (`url`, public), where this instance listens behind it, and the shared secret."""

    url: str
    secret: str = field(repr=False)
    listen: str = "127.0.0.1"
    port: int = 8080
    max_connections: int = 40

    @property
    def path(self) -> str:
        """The URL's path: the one path this server answers on."""
        return urlsplit(self.url).path or "/"


def webhook_secret(environ: Mapping[str, str], *, bot_token: str) -> str:
    """$KULTURLOTS_WEBHOOK_SECRET, else one derived from the bot token: the same on every instance, never stored."""
    value = environ.get(SECRET_ENV, "").strip()
    if not value:
        return hmac.new(bot_token.encode(), b"kulturlots webhook secret", hashlib.sha256).hexdigest()
    if not SECRET_FORM.fullmatch(value):
        raise WebhookError(f"{SECRET_ENV} must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
    return value


def check_url(url: str) -> str:
    """The webhook URL as Telegram takes it: HTTPS, on one of its ports; raises WebhookError naming the fault."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise WebhookError(f"the webhook URL must start with https:// and name a host, not {url!r}")
    if (parts.port or 443) not in PORTS:
        raise WebhookError(f"Telegram posts only to ports {', '.join(map(str, PORTS))}; the URL has {parts.port}")
    return url


def webhook_for(settings: WebhookSettings, *, url: str, bot_token: str,
                environ: Mapping[str, str] | None = None) -> Webhook:
    """The webhook of `run --webhook URL`: the URL checked, the listening address from the config, the secret from
    the environment; raises WebhookError naming what is wrong."""
    secret = webhook_secret(os.environ if environ is None else environ, bot_token=bot_token)
    return Webhook(url=check_url(url), secret=secret, listen=settings.listen, port=settings.port,
                   max_connections=settings.max_connections)


def update_of(body: bytes) -> dict[str, Any] | None:
    """The update in a request body, or None when the body is not a JSON object with an integer update_id."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict):
        return None
    update_id = payload.get("update_id")
    return payload if isinstance(update_id, int) and not isinstance(update_id, bool) else None


class UpdateHandler(tornado.web.RequestHandler):
    """One POST, one update: the secret checked, the update stored, then 200; nothing of it is logged."""

    SUPPORTED_METHODS = ("POST",)  # anything else gets 405

    def initialize(self, secret: str, receive: Receive) -> None:
        self.secret, self.receive = secret, receive

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return self._answer(403)  # not Telegram: nothing stored, nothing said about the secret
        payload = update_of(self.request.body)
        if payload is None:
            log.warning("webhook: a request without an update (%d bytes) was refused", len(self.request.body))
            return self._answer(400)
        try:
            await self.receive(payload)
        except Exception:
            log.exception("webhook: update %s could not be stored; Telegram will send it again", payload["update_id"])
            return self._answer(500)
        return self._answer(200)

    def _answer(self, status: int) -> None:
        self.set_status(status)
        self.finish()


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """No access log: each request would name a chat's traffic pattern, and the analysis needs none of it."""


class WebhookServer:
    """The HTTP server of one instance; several sit behind one proxy, all storing into one database."""

    def __init__(self, webhook: Webhook, receive: Receive) -> None:
        self.webhook = webhook
        routes = [(re.escape(webhook.path), UpdateHandler, {"secret": webhook.secret, "receive": receive})]
        self.server = HTTPServer(tornado.web.Application(routes, log_function=_quiet), max_body_size=BODY_MAX)
        self.port = webhook.port

    async def start(self) -> int:
        """Listen; returns the port (a configured 0 takes a free one)."""
        sockets = bind_sockets(self.webhook.port, address=self.webhook.listen)
        self.port = sockets[0].getsockname()[1]
        self.server.add_sockets(sockets)
        log.info("webhook: listening on %s:%d%s", self.webhook.listen, self.port, self.webhook.path)
        return self.port

    async def stop(self) -> None:
        """Take no more updates; one cut off before its 200 is sent again by Telegram and changes nothing."""
        self.server.stop()
        await self.server.close_all_connections()
