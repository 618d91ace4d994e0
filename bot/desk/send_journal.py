"""What Telegram took, noted the moment it answered, so a kill before the database hears of it sends nothing twice.

On SQLite the record that a row went out waits for the file's one write lock, which a turn holds from its first
write to its commit: a kill in that wait (tens of milliseconds) used to send the row again after the restart. The
journal is an append-only file beside the database: a line per performed send, written with one `write` call on
the event loop before anything waits. A killed process loses nothing the kernel already has, the same durability
as SQLite's WAL at `synchronous=NORMAL`. At start the sender writes what the journal holds to the rows before it
sends anything; once every noted send is in the database the file is emptied.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bot.desk.outbox import Outcome, Partial, Sent, Unconfirmed

EMPTY_AFTER = 256 * 1024  # bytes: the file is emptied once it is this long and nothing noted is waiting
SUFFIX = "-sends"         # beside SQLite's own "-wal" and "-shm"


class SendJournal:
    """An append-only file of performed sends: row id, outcome and when."""

    def __init__(self, path: Path, *, empty_after: int = EMPTY_AFTER) -> None:
        self.path, self.empty_after = path, empty_after
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self.waiting = 0  # noted sends whose record is not yet committed

    @classmethod
    def beside(cls, engine: Engine) -> SendJournal | None:
        """The journal of a SQLite file; None for PostgreSQL (a row's record waits for no file-wide lock there) and
        for a database in memory (nothing outlives the process)."""
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return None
        return cls(Path(database + SUFFIX))

    def note(self, row_id: int, outcome: Outcome, *, at: datetime) -> bool:
        """Before anything else happens: Telegram performed this row's call (or piece); False for an outcome that
        performed nothing (a failure), which needs no note."""
        if not isinstance(outcome, Sent | Partial | Unconfirmed):
            return False
        line = {"row": row_id, "at": at.timestamp(), "kind": type(outcome).__name__, "result": outcome.result}
        if isinstance(outcome, Unconfirmed):
            line |= {"error": outcome.error, "more": outcome.more}
        os.write(self._fd, (json.dumps(line, separators=(",", ":")) + "\n").encode())
        self.waiting += 1
        return True

    def recorded(self) -> None:
        """One noted send is committed (or its commit failed, and the row goes again in this process anyway)."""
        self.waiting = max(0, self.waiting - 1)
        if not self.waiting and os.fstat(self._fd).st_size >= self.empty_after:
            self.empty()

    def entries(self) -> Iterator[tuple[int, Outcome, datetime]]:
        """What was noted, in order; a line a kill cut short is skipped (its row goes again, as before)."""
        with self.path.open(encoding="utf-8") as lines:
            for text in lines:
                try:
                    yield _entry(json.loads(text))
                except (ValueError, KeyError, TypeError):
                    continue

    def empty(self) -> None:
        os.ftruncate(self._fd, 0)

    def close(self) -> None:
        """Emptied first when every note is recorded (a clean stop): the next start has nothing to read."""
        if not self.waiting:
            self.empty()
        os.close(self._fd)


def _entry(line: dict[str, Any]) -> tuple[int, Outcome, datetime]:
    result, kind = dict(line["result"]), line["kind"]
    outcome: Outcome
    if kind == "Sent":
        outcome = Sent(result)
    elif kind == "Partial":
        outcome = Partial(result)
    elif kind == "Unconfirmed":
        outcome = Unconfirmed(str(line["error"]), result, more=bool(line["more"]))
    else:
        raise ValueError(kind)
    return int(line["row"]), outcome, datetime.fromtimestamp(float(line["at"]), tz=UTC)
