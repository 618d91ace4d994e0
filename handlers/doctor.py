"""`doctor`'s questions to the Bot API (getMe, getChat, getChatMember, getWebhookInfo), answered as core values."""

from __future__ import annotations

from telegram import Bot, ChatMemberAdministrator
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

from bot.config import Settings
from bot.operations.telegram import (
    BotIdentity,
    Failure,
    Refusal,
    StaffGroupState,
    TelegramState,
    WebhookState,
)


async def ask_telegram(settings: Settings, *, token: str) -> TelegramState:
    """What Telegram says about the bot, its staff group and its webhook; a refused call becomes a Failure."""
    bot = Bot(token, base_url=settings.telegram.base_url, base_file_url=settings.telegram.base_file_url)
    try:
        try:
            await bot.initialize()  # getMe
        except TelegramError as exc:
            return TelegramState(identity=failure(exc), group=None, webhook=None)
        identity = BotIdentity(id=bot.bot.id, username=bot.bot.username or "")
        chat_id = settings.staff.group_chat_id
        group = await staff_group(bot, chat_id) if chat_id is not None else None
        return TelegramState(identity=identity, group=group, webhook=await webhook(bot))
    finally:
        await bot.shutdown()


async def staff_group(bot: Bot, chat_id: int) -> StaffGroupState | Failure:
    """The group's kind and topics, and the bot's own rights there."""
    try:
        chat = await bot.get_chat(chat_id)
        member = await bot.get_chat_member(chat_id, bot.id)
    except TelegramError as exc:
        return failure(exc)
    manages = member.status == "creator" or (isinstance(member, ChatMemberAdministrator)
                                             and bool(member.can_manage_topics))
    return StaffGroupState(chat_type=chat.type, title=chat.title or str(chat_id), is_forum=bool(chat.is_forum),
                           bot_status=member.status, can_manage_topics=manages)


async def webhook(bot: Bot) -> WebhookState | Failure:
    """getWebhookInfo: an empty URL while the bot polls."""
    try:
        info = await bot.get_webhook_info()
    except TelegramError as exc:
        return failure(exc)
    return WebhookState(url=info.url, pending=info.pending_update_count, last_error_at=info.last_error_date,
                        last_error=info.last_error_message)


def failure(exc: TelegramError) -> Failure:
    """A refused or failed call in the core's terms."""
    if isinstance(exc, InvalidToken):
        return Failure(refusal=Refusal.TOKEN, message=exc.message)
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):  # TimedOut too; a 400 is an answer
        return Failure(refusal=Refusal.NETWORK, message=exc.message)
    return Failure(refusal=Refusal.REFUSED, message=exc.message)
