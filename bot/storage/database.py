"""Engine and sessions: a SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

import bot.storage.contact_tables
import bot.storage.reminder_tables
import bot.storage.tables  # noqa: F401  (registers the tables)
from bot.storage import schema
from bot.storage.sqlite_writes import take_turns

PG_POOL, PG_OVERFLOW = 20, 20


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`; SQLite gets its folder created, WAL, foreign keys, a busy timeout and writers queued in
    this process (sqlite_writes)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and ":memory:" not in path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        take_turns(engine)
    else:
        # Each chat being handled holds a connection for its advisory lock and another for its work, and the sender's
        # threads hold their own: SQLAlchemy's default 5 (+10) ran dry at 16 chats at once. 40 per instance leaves two
        # instances inside PostgreSQL's default max_connections (100).
        engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=PG_POOL, max_overflow=PG_OVERFLOW)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_database(url: str) -> Engine:
    """An engine on a database at this code's schema; a new SQLite file (the embedded default) is created at it.

    Any other database that is behind raises SchemaBehind: migrations are applied on purpose, by `db upgrade`."""
    engine = make_engine(url)
    try:
        if engine.dialect.name == "sqlite" and schema.is_empty(engine):
            schema.upgrade(engine)
        schema.require_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
