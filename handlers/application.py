"""The composition root: settings in, a python-telegram-bot Application (and its runners) out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError
from telegram.ext import ApplicationBuilder, ContextTypes

from bot.config import Settings
from bot.contact import introductions
from bot.contact.staff import ContactDesk
from bot.conversation.dialogue import Conversation
from bot.desk import tickets
from bot.desk.commands import StaffCommands
from bot.desk.curation import weekly_review
from bot.desk.directory import StaffDirectory
from bot.desk.limits import Limiter, Limits
from bot.desk.reports import FileJob, build_file
from bot.desk.send_journal import SendJournal
from bot.desk.sender import OutboxSender
from bot.reminders.due import queue_due
from bot.services import Services, build_services
from bot.storage.database import session_scope
from bot.storage.quarantine import MAX_TRIES
from bot.storage.retention import Retained, apply_retention
from handlers.context import APP, AppData, BotContext, KulturlotsApp, app_data_of
from handlers.delivery import deliverer
from handlers.intake import Intake
from handlers.routes import routes
from handlers.staff import set_staff_menu
from handlers.transport import AiohttpRequest
from handlers.user import set_menus, too_late
from handlers.webhook import Webhook, WebhookError, WebhookServer, webhook_for

log = logging.getLogger(__name__)
REMINDER_EVERY = timedelta(minutes=15)
SUBSCRIBERS_EVERY = timedelta(minutes=5)  # deadline and event reminders: due from the configured hour on
STOP_GRACE = 10.0  # seconds a delivery under way may take to finish on shutdown
START_RETRY = 5.0  # seconds between attempts to reach the Bot API at start
TOKEN_HINT = "TELEGRAM_BOT_TOKEN (from @BotFather)"
SPARE_CONNECTIONS = 8  # beyond one per chat handled at once: the sender's rounds, membership checks, menus


def build_application(settings: Settings, *, token: str, services: Services | None = None) -> KulturlotsApp:
    """The bot with every handler registered and the app-wide objects in bot_data; updates come via Intake."""
    services = services or build_services(settings)
    telegram = settings.telegram
    calls = AiohttpRequest(pool_size=telegram.concurrent_updates + SPARE_CONNECTIONS, read_timeout=telegram.send_timeout,
                           upload_timeout=telegram.send_timeout)
    application = (ApplicationBuilder().token(token).base_url(telegram.base_url)
                   .base_file_url(telegram.base_file_url).updater(None)
                   .request(calls).get_updates_request(AiohttpRequest(pool_size=1))
                   .context_types(ContextTypes(context=BotContext)).build())

    async def membership(user_id: int) -> str | None:
        if settings.staff.group_chat_id is None:
            return None
        try:
            return (await application.bot.get_chat_member(settings.staff.group_chat_id, user_id)).status
        except Exception:
            return None

    conversation = Conversation(services)
    contact_desk = ContactDesk(services, conversation.kontakt.recogniser, conversation.kontakt.index)
    processes = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))  # started on first use

    def build_apart(job: FileJob) -> Path:
        """A report or export in its own process: a CPU-bound thread here would slow every user's answer."""
        return processes.submit(build_file, job).result()

    application.bot_data[APP] = AppData(
        services=services, conversation=conversation,
        desk=StaffCommands(services, build=build_apart, extra={"introduce": contact_desk.introduce}),
        staff=StaffDirectory(settings.staff, membership), processes=processes,
        work=ThreadPoolExecutor(settings.telegram.concurrent_updates, thread_name_prefix="work"))
    for handler in routes(settings.staff.group_chat_id):
        application.add_handler(handler)
    application.add_error_handler(on_error)
    return application


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure; the user gets a short apology (once, on the intake's last try), never a traceback."""
    log.error("handler failed", exc_info=context.error)
    if isinstance(update, Update):
        context.app.failures[update.update_id] = repr(context.error)[:500]
        if context.app.tries.get(update.update_id, MAX_TRIES) < MAX_TRIES:
            return  # tried again by the intake (a press stays acknowledged): no apology before its answer
        query = update.callback_query
        if query is not None and query.id in context.app.acknowledged:
            context.app.acknowledged.discard(query.id)  # Telegram takes one answer per press
        elif query is not None and not too_late(query.id, context):
            with contextlib.suppress(Exception):
                await query.answer()
    if isinstance(update, Update) and update.effective_chat is not None and update.effective_chat.type == "private":
        language: str = context.app.services.settings.default_language
        if update.effective_user is not None and update.effective_user.language_code:
            from bot.i18n.catalog import language_of

            language = language_of(update.effective_user.language_code, language)
        with contextlib.suppress(Exception):
            await context.bot.send_message(update.effective_chat.id, context.app.services.catalog(language, "error.generic"))


def app_data(application: KulturlotsApp) -> AppData:
    """The app-wide objects, for code that holds the Application rather than a context."""
    return app_data_of(application.bot_data)


@contextlib.asynccontextmanager
async def running(application: KulturlotsApp, *, poll_timeout: int, outbox_idle: float = 1.0,
                  outbox_backoff: float = 2.0, limits: Limits | None = None,
                  webhook: Webhook | None = None) -> AsyncIterator[Intake]:
    """Start the bot: menus, intake (long polling, or a webhook server), outbox sender, reminders; stop them all.
    `limits`: Telegram's sending limits the one sender keeps (answers, staff traffic and reminders alike)."""
    data = app_data(application)
    services = data.services
    desk = data.desk.desk
    sender = OutboxSender(services.engine, deliverer(application.bot), prepare=tickets.prepare,
                          on_settled=[tickets.on_settled(desk, services.catalog)] if desk else [],
                          backoff_base=outbox_backoff, journal=SendJournal.beside(services.engine),
                          limiter=Limiter(limits or Limits(per_second=services.settings.telegram.messages_per_second)))
    sender.wakeup, data.sender = data.outbox_wakeup, sender
    sender.recover()  # sends a kill cut off from their record, written down before anything can go again
    intake = Intake(application, services.engine, secret=services.secret, timeout=poll_timeout,
                    failures=data.failures, tries=data.tries, pressed=data.pressed, kept=data.kept,
                    concurrent=services.settings.telegram.concurrent_updates)
    server = intake.server = WebhookServer(webhook, intake.receive) if webhook is not None else None
    async with application:
        if server is None:
            await application.bot.delete_webhook()
        else:  # before start: a refused webhook ends the run while the application can still shut down
            await _open_webhook(application, server)
        await application.start()
        sender.remember()  # the last minute's sends, before anything is sent: a restart opens with no burst
        await set_menus(application.bot, services.catalog)
        if desk is not None:
            await set_staff_menu(application.bot, services.catalog, chat_id=desk.chat_id, language=desk.language)
        if application.job_queue is not None:
            application.job_queue.run_repeating(lambda _ctx: remind(application), interval=REMINDER_EVERY, first=5)
        if application.job_queue is not None:
            application.job_queue.run_repeating(lambda _ctx: expire_introductions(application),
                                                interval=REMINDER_EVERY, first=5)
            application.job_queue.run_repeating(lambda _ctx: remind_subscribers(application),
                                                interval=SUBSCRIBERS_EVERY, first=5)
        polling = asyncio.create_task(intake.run() if server is None else intake.sweep(), name="intake")
        delivering = asyncio.create_task(sender.run(idle=outbox_idle), name="outbox")
        try:
            yield intake
        finally:
            if server is not None:
                await server.stop()
            intake.stopping = True
            with contextlib.suppress(TimeoutError):  # updates under way finish; queued ones wait in the inbox
                await asyncio.wait_for(intake.lanes.drain(), timeout=STOP_GRACE)
            sender.stop()
            with contextlib.suppress(TimeoutError):  # let work under way finish, then stop waiting
                await asyncio.wait_for(asyncio.shield(delivering), timeout=STOP_GRACE)
            polling.cancel()
            delivering.cancel()
            await asyncio.gather(polling, delivering, return_exceptions=True)
            await application.stop()
            intake.close()
            sender.close()
            data.close()


async def _open_webhook(application: KulturlotsApp, server: WebhookServer) -> None:
    """Listen first, then tell Telegram where to post, with the secret it sends back on every request."""
    await server.start()
    webhook = server.webhook
    try:
        await application.bot.set_webhook(webhook.url, secret_token=webhook.secret, allowed_updates=Update.ALL_TYPES,
                                          max_connections=webhook.max_connections)
    except BadRequest as exc:
        await server.stop()
        raise StartError(f"Telegram refused the webhook {webhook.url}: {exc}") from exc


async def remind(application: KulturlotsApp) -> None:
    """The periodic round: the retention job, tickets left open re-announced, closed tickets' chat ids released,
    and once a week the entries of the base that need a look."""
    data = app_data(application)
    await data.off_loop(retain, data.services)
    if data.desk.desk is not None:
        reminded = await data.off_loop(remind_staff, data.services, data.desk.desk)
        if reminded:
            data.wake()


def retain(services: Services) -> Retained:
    """The retention job: what people wrote goes after `privacy.retention_days`."""
    with session_scope(services.engine) as session:
        return apply_retention(session, before=services.clock() - timedelta(days=services.settings.privacy.retention_days))


def remind_staff(services: Services, desk: tickets.StaffGroup) -> int:
    """Tickets left open re-announced; closed tickets' chat ids released after `staff.keep_chat_days`."""
    staff = services.settings.staff
    with session_scope(services.engine) as session:
        count = tickets.due_reminders(session, desk=desk, texts=services.catalog,
                                      after=timedelta(hours=staff.remind_after_hours))
        tickets.release_chats(session, closed_before=services.clock() - timedelta(days=staff.keep_chat_days))
        count += weekly_review(session, desk=desk, texts=services.catalog, kb=services.knowledge.kb,
                               today=services.today(),
                               review_after_days=services.settings.knowledge.review_after_days)
    return count


async def expire_introductions(application: KulturlotsApp) -> int:
    """Kontakt's round: introductions unanswered for `contact.expire_days` close and their askers are told kindly."""
    data = app_data(application)
    services = data.services
    with session_scope(services.engine) as session:
        count = introductions.expire(session, texts=services.catalog, limits=services.settings.contact,
                                     now=services.clock())
    if count:
        data.wake()
    return count


async def remind_subscribers(application: KulturlotsApp) -> int:
    """The subscribers' round: deadlines and new events due now are queued once each, then the sender is woken."""
    data = app_data(application)
    count = await data.off_loop(queue_reminders, data.services)
    if count:
        data.wake()
    return count


def queue_reminders(services: Services) -> int:
    """Reminders due by the services' clock, queued in one transaction."""
    with session_scope(services.engine) as session:
        return queue_due(session, knowledge=services.knowledge, texts=services.catalog,
                         settings=services.settings.reminders, now=services.clock())


class StartError(RuntimeError):
    """The bot cannot start as configured (a refused token); `python -m bot run` says why and exits."""


async def serve(settings: Settings, *, token: str, stop: asyncio.Event, retry: float = START_RETRY,
                webhook_url: str | None = None) -> None:
    """`python -m bot run`: long polling (or, given its public URL, a webhook) until `stop` is set."""
    try:
        webhook = webhook_for(settings.telegram.webhook, url=webhook_url, bot_token=token) if webhook_url else None
    except WebhookError as exc:
        raise StartError(str(exc)) from exc
    application = build_application(settings, token=token)
    if not await _reach_bot_api(application, stop=stop, retry=retry):
        return
    async with running(application, poll_timeout=settings.telegram.poll_timeout, webhook=webhook):
        await stop.wait()


async def _reach_bot_api(application: KulturlotsApp, *, stop: asyncio.Event, retry: float) -> bool:
    """getMe until the Bot API answers, as a service outlives a network outage; False when stopped first."""
    while not stop.is_set():
        try:
            await application.initialize()
            return True
        except InvalidToken as exc:
            raise StartError(f"the Bot API refused the token ({exc}): check {TOKEN_HINT}") from exc
        except BadRequest as exc:
            raise StartError(f"the Bot API refused getMe: {exc}") from exc
        except NetworkError as exc:  # TimedOut included
            log.warning("cannot reach the Bot API (%s); trying again in %.0f s", exc, retry)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=retry)
    return False
