"""One writer at a time on a SQLite file, queued in this process instead of in SQLite's busy handler.

SQLite lets one connection write at a time; a second one that finds the file locked sleeps in steps of up to
100 ms before it looks again, so under load a write waited a tenth of a second while the lock lay free. Here each
connection's first write of a transaction waits its turn in this process, and the next writer is woken the moment
a turn is over; writes marked `FIRST` (the record that a message went out) go before the others. The busy timeout
stays as the guard against writers in other processes (a `db` command)."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
FIRST = "write_first"  # an execution option: this engine's writes go before the others
HOLDS = "sqlite_write_turn"  # in the pooled connection's info: whether this transaction got its turn
PATIENCE = 30.0  # seconds, as the busy timeout: past it, SQLite's own locking decides


class WriteTurns:
    """A lock handed from writer to writer in the order they came, those marked first before the rest; each wait
    wakes only the writer whose turn it is."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._queues: tuple[deque[threading.Lock], deque[threading.Lock]] = (deque(), deque())  # first, the rest
        self.waiting = 0  # writers waiting now

    def take(self, *, first: bool, timeout: float = PATIENCE) -> bool:
        """Wait for the turn; False when `timeout` passed without it."""
        with self._guard:
            if not self._held:
                self._held = True
                return True
            baton = threading.Lock()
            baton.acquire()
            queue = self._queues[0 if first else 1]
            queue.append(baton)
            self.waiting += 1
        handed = baton.acquire(timeout=timeout)
        with self._guard:
            self.waiting -= 1
            if not handed and baton in queue:
                queue.remove(baton)
                return False
        return True  # handed over, perhaps just as the wait ran out

    def give_back(self) -> None:
        with self._guard:
            for queue in self._queues:
                if queue:
                    queue.popleft().release()  # the turn passes on, still held
                    return
            self._held = False


def take_turns(engine: Engine) -> WriteTurns:
    """Queue the engine's writing transactions (and those of engines derived from it) on one WriteTurns."""
    turns = WriteTurns()

    def before_execute(connection: Any, _cursor: Any, statement: str, _parameters: Any, context: Any,
                       _many: bool) -> None:
        info = connection.info  # once a transaction: a turn waited out in vain is not waited for again
        if HOLDS not in info and statement.lstrip()[:7].upper().startswith(WRITES):
            first = bool(context is not None and context.execution_options.get(FIRST))
            info[HOLDS] = turns.take(first=first)

    def over(connection: Any) -> None:  # a commit, a rollback, a connection dropped unclosed (rolled back)
        if connection.info.pop(HOLDS, False):  # given back just before the commit: who comes next finds it done
            turns.give_back()                   # or waits SQLite's first millisecond

    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine, "commit", over)
    event.listen(engine, "rollback", over)
    return turns
