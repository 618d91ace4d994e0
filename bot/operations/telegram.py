"""What Telegram reports about the bot, its staff group and its webhook, and the verdicts `doctor` draws from it.

The front end (handlers/doctor.py) asks the Bot API and fills these values; judging them needs no Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.config import Settings
from bot.operations.checks import Check, ok, problem, skipped
from bot.operations.logs import TOKEN_ENV

RECENT_ERROR = timedelta(hours=1)  # a delivery error older than this has been followed by deliveries that worked


class Refusal(StrEnum):
    """Why a Bot API call gave no answer."""

    TOKEN = "token"      # 401/404: the token is wrong or revoked
    NETWORK = "network"  # the Bot API could not be reached
    REFUSED = "refused"  # a 400/403 with Telegram's reason (chat not found, bot kicked...)


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure:
    """A call that failed, and Telegram's (or the network's) words."""

    refusal: Refusal
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BotIdentity:
    """getMe: who the token belongs to."""

    id: int
    username: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffGroupState:
    """getChat and getChatMember for the bot itself in the staff group."""

    chat_type: str
    title: str
    is_forum: bool
    bot_status: str  # creator, administrator, member, restricted, left, kicked
    can_manage_topics: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookState:
    """getWebhookInfo: the URL Telegram delivers to (empty while the bot polls), what waits, the last failure."""

    url: str
    pending: int
    last_error_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TelegramState:
    """Everything asked of the Bot API; None where the question was not asked (no token, no staff group)."""

    identity: BotIdentity | Failure
    group: StaffGroupState | Failure | None
    webhook: WebhookState | Failure | None


def telegram_checks(state: TelegramState, settings: Settings, *, now: datetime) -> list[Check]:
    """The verdicts on the token, the staff group and the webhook."""
    if isinstance(state.identity, Failure):
        reason = skipped("", "needs an answer to getMe")
        return [_token_problem(state.identity, settings), _named(reason, "staff group"), _named(reason, "webhook")]
    checks = [ok("token", f"the Bot API knows the bot as @{state.identity.username} (id {state.identity.id})")]
    checks.append(_group_check(state.group, settings))
    checks.append(_webhook_check(state.webhook, now=now))
    return checks


def _named(check: Check, name: str) -> Check:
    return Check(name=name, status=check.status, detail=check.detail)


def _token_problem(failure: Failure, settings: Settings) -> Check:
    if failure.refusal is Refusal.NETWORK:
        return problem("token", f"cannot reach the Bot API at {settings.telegram.base_url}: {failure.message}",
                       fix="check the network, a proxy, or telegram.base_url in the config")
    return problem("token", f"the Bot API refused the token ({failure.message})",
                   fix=f"copy the token again from @BotFather (/mybots → API Token) into {TOKEN_ENV}")


def _group_check(group: StaffGroupState | Failure | None, settings: Settings) -> Check:
    chat_id = settings.staff.group_chat_id
    if group is None:
        return ok("staff group", "none configured: escalated questions are only logged (staff.group_chat_id)")
    if isinstance(group, Failure):
        return problem("staff group", f"getChat for {chat_id} failed: {group.message}",
                       fix="add the bot to the staff group and set staff.group_chat_id to its id (-100…)")
    if group.chat_type != "supergroup":
        return problem("staff group", f"{group.title!r} is a {group.chat_type}, not a supergroup",
                       fix="turn on Topics in the group's settings (Telegram makes it a supergroup), then use its new id")
    needs = []
    if group.bot_status not in ("administrator", "creator"):
        needs.append(("the bot is not an admin there", "make the bot an admin with the right to manage topics"))
    elif not group.can_manage_topics and settings.staff.topics:
        needs.append(("the bot may not manage topics", "give the bot the admin right 'Manage topics'"))
    if settings.staff.topics and not group.is_forum:
        needs.append(("topics are not enabled", "turn on Topics in the group's settings (or set staff.topics: false)"))
    if needs:
        return problem("staff group", f"{group.title!r}: " + "; ".join(what for what, _ in needs),
                       fix="; ".join(how for _, how in needs))
    topics = "topics on, the bot manages them" if group.is_forum else "without topics (staff.topics: false)"
    return ok("staff group", f"{group.title!r}: the bot is an admin, {topics}")


def _webhook_check(webhook: WebhookState | Failure | None, *, now: datetime) -> Check:
    if webhook is None:
        return skipped("webhook", "not asked")
    if isinstance(webhook, Failure):
        return problem("webhook", f"getWebhookInfo failed: {webhook.message}", fix="try again; check the network")
    if not webhook.url:
        return ok("webhook", f"none set: the bot polls (getUpdates); {webhook.pending} update(s) waiting")
    error = ""
    if webhook.last_error_at is not None:
        error = f"; last error {webhook.last_error_at:%Y-%m-%d %H:%M} UTC: {webhook.last_error}"
    if webhook.last_error_at is not None and webhook.last_error_at >= now - RECENT_ERROR:
        return problem("webhook", f"Telegram cannot deliver to {webhook.url} ({webhook.pending} update(s) waiting"
                                  f"{error})",
                       fix="check that nginx and the instances run and answer 200 (deploy/), and the TLS certificate")
    return ok("webhook", f"{webhook.url}, {webhook.pending} update(s) waiting{error}")
