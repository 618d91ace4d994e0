"""One chat's updates in order across instances: a PostgreSQL advisory lock per chat while one of them is handled.

SQLite is one process on one file, where the lanes alone keep the order: there the lock is no lock at all."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


def lane_key(lane: str, secret: bytes) -> int:
    """A chat's lane as a signed 64-bit number keyed by the pseudonym secret: stored and locked, never the chat id."""
    digest = hashlib.blake2b(lane.encode(), key=secret[:64], digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class ChatLocks:
    """Session-level advisory locks, each on its own connection, so a crashed instance's locks end with it."""

    def __init__(self, engine: Engine, *, size: int) -> None:
        self.engine: Engine | None = None
        if engine.dialect.name != "sqlite":  # own pool: a held lock never takes a connection the handlers need
            self.engine = create_engine(engine.url, pool_size=size, max_overflow=0, pool_pre_ping=True)
        # one thread per lane that may wait at once, and one more so a holder can always let go
        self.threads = ThreadPoolExecutor(size + 1, thread_name_prefix="chat-lock")

    @property
    def shared(self) -> bool:
        """Whether other instances may work on the same database (a server, not a SQLite file)."""
        return self.engine is not None

    @contextlib.asynccontextmanager
    async def held(self, key: int) -> AsyncIterator[None]:
        """Hold the chat's lock for the block; waits (off the event loop) while another instance holds it."""
        if self.engine is None:
            yield
            return
        loop = asyncio.get_running_loop()
        taking = loop.run_in_executor(self.threads, self._take, self.engine, key)
        try:
            connection = await asyncio.shield(taking)
        except asyncio.CancelledError:  # the lock may still be granted: give it back once it is
            taking.add_done_callback(lambda done: self._give_back_late(done, key))
            raise
        try:
            yield
        finally:
            await loop.run_in_executor(self.threads, self._give_back, connection, key)

    def _give_back_late(self, taking: asyncio.Future[Connection], key: int) -> None:
        if not taking.cancelled() and taking.exception() is None:
            try:
                self.threads.submit(self._give_back, taking.result(), key)
            except RuntimeError:  # shutting down: dropping the connection ends the lock
                taking.result().invalidate()

    @staticmethod
    def _take(engine: Engine, key: int) -> Connection:
        connection = engine.connect()
        try:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            connection.commit()  # the lock is the session's: no transaction stays open while the update is handled
        except BaseException:
            connection.invalidate()
            connection.close()
            raise
        return connection

    @staticmethod
    def _give_back(connection: Connection, key: int) -> None:
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()
        except Exception:  # a connection that cannot say so is dropped, which ends its session and its locks
            log.warning("could not release a chat lock; dropping its connection")
            connection.invalidate()
        finally:
            connection.close()

    def close(self) -> None:
        """Let the lock connections and threads go."""
        self.threads.shutdown(wait=False, cancel_futures=True)
        if self.engine is not None:
            self.engine.dispose()
