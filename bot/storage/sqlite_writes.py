"""One writer at a time on a SQLite file, queued in this process instead of in SQLite's busy handler.

SQLite lets one connection write at a time; a second one that finds the file locked sleeps in steps of up to
100 ms before it looks again, so under load a write waited a tenth of a second while the lock lay free. Here each
connection's first write of a transaction waits its turn in this process, and the next writer is woken the moment
a turn is over; writes marked `FIRST` (the record that a message went out) go before the others. The busy timeout
stays as the guard against writers in other processes (a `db` command)."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
FIRST = "write_first"  # an execution option: this engine's writes go before the others
HOLDS = "sqlite_write_turn"  # in the pooled connection's info: this connection holds the turn
PATIENCE = 30.0  # seconds, as the busy timeout: past it, SQLite's own locking decides


class WriteTurns:
    """A lock with two queues: writers marked first are let in before the rest."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._held = False
        self._first_waiting = 0
        self.waiting = 0  # writers waiting now

    def take(self, *, first: bool, timeout: float = PATIENCE) -> bool:
        """Wait for the turn; False when `timeout` passed without it."""
        with self._changed:
            self._first_waiting += first
            self.waiting += 1
            try:
                taken = self._changed.wait_for(
                    lambda: not self._held and (first or not self._first_waiting), timeout)
            finally:
                self._first_waiting -= first
                self.waiting -= 1
            self._held = self._held or taken
            return taken

    def give_back(self) -> None:
        with self._changed:
            self._held = False
            self._changed.notify_all()


def take_turns(engine: Engine) -> WriteTurns:
    """Queue the engine's writing transactions (and those of engines derived from it) on one WriteTurns."""
    turns = WriteTurns()

    def before_execute(connection: Any, _cursor: Any, statement: str, _parameters: Any, context: Any,
                       _many: bool) -> None:
        info = connection.info
        if not info.get(HOLDS) and statement.lstrip()[:7].upper().startswith(WRITES):
            first = bool(context is not None and context.execution_options.get(FIRST))
            info[HOLDS] = turns.take(first=first)

    def over(connection: Any) -> None:  # a commit, a rollback, a connection dropped unclosed (rolled back)
        if connection.info.pop(HOLDS, False):  # given back just before the commit: who comes next finds it done
            turns.give_back()                   # or waits SQLite's first millisecond

    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine, "commit", over)
    event.listen(engine, "rollback", over)
    return turns
