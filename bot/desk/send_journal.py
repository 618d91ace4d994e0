"""What Telegram took, noted the moment it answered, so a kill before the database hears of it sends nothing twice.

On SQLite the record that a row went out waits for the file's one write lock, which a turn holds from its first
write to its commit: a kill in that wait (tens of milliseconds) used to send the row again after the restart. The
journal is an append-only file beside the database: a line per performed send, written with one `write` call on
the event loop before anything waits. A killed process loses nothing the kernel already has, the same durability
as SQLite's WAL at `synchronous=NORMAL`. At start the sender writes what the journal holds to the rows before it
sends anything; once every noted send is in the database the file is emptied. A call begun and never answered
(the kill came while Telegram had it) is the one true doubt the Bot API leaves: it is sent again, and counted.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.desk.outbox import OnSettled, Outcome, Partial, RetryLater, Sent, Unconfirmed, behind, settle
from bot.storage.tables import Delivery, OutboxMessage

EMPTY_AFTER = 256 * 1024  # bytes: the file is emptied once it is this long and nothing noted is waiting
SUFFIX = "-sends"         # beside SQLite's own "-wal" and "-shm"
CUT_OFF = RetryLater("under way when the process was killed", wait=0.0, counts=False, ambiguous=True)


class SendJournal:
    """An append-only file of performed sends: row id, outcome and when."""

    def __init__(self, path: Path, *, empty_after: int = EMPTY_AFTER) -> None:
        self.path, self.empty_after = path, empty_after
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self.waiting = 0  # calls begun whose outcome is not yet committed

    @classmethod
    def beside(cls, engine: Engine) -> SendJournal | None:
        """The journal of a SQLite file; None for PostgreSQL (a row's record waits for no file-wide lock there) and
        for a database in memory (nothing outlives the process)."""
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return None
        return cls(Path(database + SUFFIX))

    def trying(self, row_id: int) -> None:
        """A call for this row leaves now: if no outcome follows before a kill, whether Telegram took it is unknown.
        Each is closed by `note`, then by `recorded` once its outcome is committed."""
        os.write(self._fd, b'{"row":%d,"try":1}\n' % row_id)
        self.waiting += 1

    def note(self, row_id: int, outcome: Outcome, *, at: datetime) -> None:
        """Before anything else happens: what Telegram did with the call (a failure only closes it: nothing to
        write down at start)."""
        if not isinstance(outcome, Sent | Partial | Unconfirmed):
            os.write(self._fd, b'{"row":%d,"done":1}\n' % row_id)
            return
        line = {"row": row_id, "at": at.timestamp(), "kind": type(outcome).__name__, "result": outcome.result}
        if isinstance(outcome, Unconfirmed):
            line |= {"error": outcome.error, "more": outcome.more}
        os.write(self._fd, (json.dumps(line, separators=(",", ":")) + "\n").encode())

    def recorded(self) -> None:
        """A call's outcome is committed (or its commit failed, and the row goes again in this process anyway)."""
        self.waiting = max(0, self.waiting - 1)
        if not self.waiting and os.fstat(self._fd).st_size >= self.empty_after:
            self.empty()

    def entries(self) -> Iterator[tuple[int, Outcome, datetime]]:
        """What was noted, in order; a line a kill cut short is skipped (its row goes again, as before)."""
        for line in self._lines():
            if "kind" in line:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    yield _entry(line)

    def in_doubt(self) -> list[int]:
        """Rows whose last call began and was never answered: cut off by a kill while Telegram had it."""
        open_calls: dict[int, bool] = {}
        for line in self._lines():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                open_calls[int(line["row"])] = "try" in line
        return [row for row, open_call in open_calls.items() if open_call]

    def _lines(self) -> Iterator[dict[str, Any]]:
        with self.path.open(encoding="utf-8") as lines:
            for text in lines:
                with contextlib.suppress(ValueError):
                    if isinstance(line := json.loads(text), dict):
                        yield line

    def empty(self) -> None:
        os.ftruncate(self._fd, 0)

    def close(self) -> None:
        """Emptied first when every note is recorded (a clean stop): the next start has nothing to read."""
        if not self.waiting:
            self.empty()
        os.close(self._fd)


def replay(journal: SendJournal, session: Session, *, on_settled: Iterable[OnSettled], now: datetime,
           backoff_base: float) -> tuple[int, int]:
    """The journal's outcomes written to their rows, with the hooks that wait on a send, each once (a row that
    holds it already is left alone); then each call left in doubt counted on its row, which goes again."""
    applied = doubted = 0
    for row_id, outcome, at in journal.entries():
        row = session.get(OutboxMessage, row_id)
        if row is None or not behind(row, outcome):
            continue
        settle(row, outcome, now=at, backoff_base=backoff_base)
        for hook in on_settled:
            hook(session, row, outcome)
        session.flush()
        applied += 1
    for row_id in journal.in_doubt():
        if (row := session.get(OutboxMessage, row_id)) is not None and row.state == Delivery.PENDING:
            settle(row, CUT_OFF, now=now, backoff_base=backoff_base)
            doubted += 1
    return applied, doubted


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
