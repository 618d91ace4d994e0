"""The checks `doctor` makes without Telegram: config, secrets, database, schema, knowledge base, quarantine."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bot.config import Settings
from bot.knowledge.check import placeholder_lines
from bot.knowledge.entries import KnowledgeErrors
from bot.knowledge.loader import load_knowledge
from bot.knowledge.review import stale_entries
from bot.operations.checks import Check, Status, ok, problem, skipped
from bot.operations.logs import TOKEN_ENV
from bot.storage import quarantine, schema
from bot.storage.database import make_engine, session_scope
from bot.storage.pseudonyms import SECRET_ENV

CONNECT_TIMEOUT = 5  # seconds to wait for a database server before calling it unreachable
RECENT = timedelta(days=1)  # an update set aside this recently still needs a look
SHOWN_ERRORS = 3


def environment_checks(settings: Settings, environ: Mapping[str, str]) -> list[Check]:
    """The secrets the bot needs from the environment: the token always, the shared key with a database server."""
    checks = [ok("token set", f"{TOKEN_ENV} is set") if environ.get(TOKEN_ENV, "").strip() else
              problem("token set", f"{TOKEN_ENV} is not set",
                      fix="get a token from @BotFather (/newbot) and put it in the service's environment file")]
    if environ.get(SECRET_ENV):
        checks.append(ok("secret", f"{SECRET_ENV} is set"))
    elif is_sqlite(settings.database_url):
        checks.append(ok("secret", f"{SECRET_ENV} is not set: the key kept in data/.pseudonym-key serves this one machine"))
    else:
        checks.append(problem("secret", f"{SECRET_ENV} is not set, and a database server needs one key on every instance",
                              fix=f"set {SECRET_ENV} to the same long random value everywhere (openssl rand -hex 32)"))
    return checks


def is_sqlite(url: str) -> bool:
    """An embedded SQLite file rather than a database server."""
    return url.startswith("sqlite")


def open_for_checks(url: str) -> Engine:
    """An engine that gives up on an unreachable server after CONNECT_TIMEOUT seconds."""
    if not is_sqlite(url) and "connect_timeout" not in url:
        url = make_url(url).update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT)}).render_as_string(
            hide_password=False)
    return make_engine(url)


def database_checks(settings: Settings, *, now: datetime) -> list[Check]:
    """Can the database be reached, is its schema the one this version needs, and what was set aside there?"""
    url = settings.database_url
    where = make_url(url).render_as_string(hide_password=True)
    if is_sqlite(url) and not _sqlite_file(url).exists():
        return [ok("database", f"{where} does not exist yet; `run` creates it at the current schema"),
                ok("schema", f"created at {schema.HEAD} on first start"), ok("quarantine", "no update set aside")]
    engine = open_for_checks(url)
    try:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any driver's refusal: the first line of its words, never the URL's password
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            return [problem("database", f"cannot reach {where}: {reason}",
                            fix="check storage.url (or the environment variable it names), that the server runs "
                                "and accepts this host"),
                    skipped("schema", "needs a reachable database"), skipped("quarantine", "needs a reachable database")]
        current = _schema_check(engine)
        if current.status is not Status.OK:
            return [ok("database", f"{where} answers"), current, skipped("quarantine", "needs the current schema")]
        held = ok("quarantine", "no update set aside") if schema.is_empty(engine) else quarantine_check(engine, now=now)
        return [ok("database", f"{where} answers"), current, held]
    finally:
        engine.dispose()


def _sqlite_file(url: str) -> Path:
    return Path(make_url(url).database or "")


def _schema_check(engine: Engine) -> Check:
    try:
        schema.require_current(engine)
    except schema.SchemaBehind as exc:
        if engine.dialect.name == "sqlite" and schema.is_empty(engine):
            return ok("schema", f"an empty file; `run` creates the schema ({schema.HEAD})")
        return problem("schema", str(exc).split(": run", 1)[0],
                       fix=f"`{schema.UPGRADE_HINT}` with this version (back up the database first)")
    return ok("schema", f"at {schema.HEAD}, as this version needs")


def knowledge_check(settings: Settings, *, today: datetime) -> Check:
    """The base loads without errors (what `kb check` validates); warnings are counted, not failed."""
    folder = settings.knowledge_dir
    try:
        kb = load_knowledge(folder)
    except KnowledgeErrors as exc:
        return problem("knowledge", f"{folder} has {len(exc.errors)} error(s)",
                       fix=f"correct them (`python -m bot kb check {folder}` lists each with its file and line)",
                       notes=[str(error) for error in exc.errors[:SHOWN_ERRORS]])
    except OSError as exc:
        return problem("knowledge", f"cannot read {folder}: {exc.strerror or exc}",
                       fix="set knowledge.path in the config to the base's folder")
    stale = len(stale_entries(kb, today=today.date(), review_after_days=settings.knowledge.review_after_days))
    examples = max(0, len(placeholder_lines(kb)) - 1)
    return ok("knowledge", f"{len(kb)} entries in {folder}; {stale} need a look, {examples} example contact(s) "
                           "(`kb check` lists them)")


def quarantine_check(engine: Engine, *, now: datetime) -> Check:
    """Updates set aside: how many, the newest errors; a problem while one from the last day waits for a look."""
    with session_scope(engine) as session:
        total = quarantine.count(session)
        newest = list(quarantine.recent(session, limit=SHOWN_ERRORS))
    if not newest:
        return ok("quarantine", "no update set aside")
    notes = [f"{row.set_aside_at:%Y-%m-%d %H:%M} update {row.update_id} ({row.shape or 'unknown'}, {row.reason}): "
             f"{(row.error.splitlines() or [''])[0][:160]}" for row in newest]
    if _aware(newest[0].set_aside_at) >= now - RECENT:
        return problem("quarantine", f"{total} update(s) set aside, the newest within a day",
                       fix="read the errors below (staff: /quarantine in the staff group) and mend their cause",
                       notes=notes)
    return ok("quarantine", f"{total} update(s) set aside, none within a day", *notes)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC times; compare them as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
