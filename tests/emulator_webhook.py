"""The emulator's outgoing webhook, as https://core.telegram.org/bots/api#setwebhook documents it.

setWebhook takes an HTTPS URL on port 443, 80, 88 or 8443 and an optional secret_token (1-256 characters of A-Z, a-z,
0-9, _ and -); from then on every update is POSTed there as JSON with the header X-Telegram-Bot-Api-Secret-Token,
getUpdates is refused with 409, and a request answered with anything but 2XY is repeated. getWebhookInfo reports the
URL, the updates awaiting delivery and the last error. A test plays the proxy in front of the bot too (nginx, which
terminates HTTPS): `origins` are the instances' own http://host:port, one picked per request, the URL's path kept.
The emulator sends one update per chat at a time (the next only after the previous was taken), several chats at once
up to max_connections; the documentation promises no order, so the bot must not count on more than that.
"""

from __future__ import annotations

import json
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tests.bot_api_rules import ApiError, bad_request

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PORTS = (443, 80, 88, 8443)
SECRET_FORM = re.compile(r"[A-Za-z0-9_-]*")
CONFLICT = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"


@dataclass
class Hook:
    """The webhook as set: where, with which secret, how many requests at once, which update types."""

    url: str
    secret: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    has_custom_certificate: bool = False
    ip_address: str | None = None


@dataclass
class Outgoing:
    """Delivery state: requests under way per chat, the last error, the proxy's origins."""

    origins: list[str] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)  # chat key -> update_id under way
    last_error_date: int | None = None
    last_error_message: str | None = None
    posted: list[tuple[int, str, int]] = field(default_factory=list)  # (update_id, origin, status) of every request
    repeat: float = 0.0  # the share of updates posted a second time after their 2XY (an answer lost on the way)


def checked_hook(params: dict[str, Any]) -> Hook | None:
    """setWebhook's parameters as Telegram checks them; None for url="" (remove the webhook)."""
    if "url" not in params:
        raise bad_request('parameter "url" is required')
    url = str(params["url"])
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if (parts.port or 443) not in PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    secret = params.get("secret_token")
    if secret is not None:
        secret = str(secret)
        if len(secret) > 256:
            raise bad_request("secret token is too long")
        if not secret or not SECRET_FORM.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
    connections = int(params.get("max_connections") or 40)
    if not 1 <= connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = params.get("allowed_updates")
    if allowed is not None and not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON array")
    return Hook(url=url, secret=secret, max_connections=connections, allowed_updates=allowed or None,
                has_custom_certificate="certificate" in params, ip_address=params.get("ip_address"))


def info(hook: Hook | None, outgoing: Outgoing, pending: int) -> dict[str, Any]:
    """A WebhookInfo object: url is empty without a webhook; optional fields only when they hold something."""
    result: dict[str, Any] = {"url": hook.url if hook else "", "has_custom_certificate": bool(
        hook and hook.has_custom_certificate), "pending_update_count": pending}
    if hook is not None:
        result["max_connections"] = hook.max_connections
        if hook.ip_address:
            result["ip_address"] = hook.ip_address
        if hook.allowed_updates:
            result["allowed_updates"] = hook.allowed_updates
    if outgoing.last_error_date is not None:
        result.update(last_error_date=outgoing.last_error_date, last_error_message=outgoing.last_error_message)
    return result


def chat_key(update: dict[str, Any]) -> str:
    """The chat an update belongs to (a press: its message's chat, else its sender), for one-at-a-time per chat."""
    for value in update.values():
        if isinstance(value, dict):
            chat = value.get("chat") or (value.get("message") or {}).get("chat") or value.get("from")
            if isinstance(chat, dict) and "id" in chat:
                return str(chat["id"])
    return f"update {update.get('update_id')}"


def target(url: str, origins: list[str], rng: random.Random) -> str:
    """Where a request for the public `url` lands: through the proxy to one origin, or the URL itself."""
    if not origins:
        return url
    parts = urlsplit(url)
    return rng.choice(origins).rstrip("/") + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


async def post_update(session: aiohttp.ClientSession, url: str, update: dict[str, Any], secret: str | None) -> int:
    """One webhook request as Telegram makes it; returns the HTTP status (0: no answer at all)."""
    headers = {"Content-Type": "application/json", **({SECRET_HEADER: secret} if secret else {})}
    try:
        async with session.post(url, data=json.dumps(update), headers=headers,
                                timeout=aiohttp.ClientTimeout(total=60)) as response:
            await response.read()
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


def error_message(status: int) -> str:
    """getWebhookInfo's last_error_message for a failed request."""
    if status == 0:
        return "Connection refused"
    reasons = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error",
               502: "Bad Gateway", 503: "Service Unavailable"}
    return f"Wrong response from the webhook: {status} {reasons.get(status, '')}".rstrip()


def note_error(outgoing: Outgoing, status: int) -> None:
    outgoing.last_error_date, outgoing.last_error_message = int(time.time()), error_message(status)


def refuse_polling() -> ApiError:
    return ApiError(409, CONFLICT)
