"""The send journal: what Telegram took is noted before its record waits, so a kill in between sends nothing twice."""

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.desk.limits import Limiter, Limits
from bot.desk.outbox import Method, Outcome, Partial, RetryLater, Sent, enqueue
from bot.desk.send_journal import SendJournal
from bot.desk.sender import OutboxSender
from bot.storage.database import make_engine, open_database, session_scope
from bot.storage.tables import Delivery, OutboxMessage
from tests.databases import url_for


class Kill(BaseException):
    """The process dies (SIGKILL): nothing after this point runs, nothing is rolled back by the code."""


class KilledAfterNote(SendJournal):
    """Dies right after the `kill_at`-th note: Telegram took the call, the database never heard of it."""

    def __init__(self, path: Path, *, kill_at: int) -> None:
        super().__init__(path)
        self.kill_at = kill_at

    def note(self, row_id: int, outcome: Outcome, *, at: datetime) -> None:
        super().note(row_id, outcome, at=at)
        self.kill_at -= 1
        if not self.kill_at:
            raise Kill


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_database(url_for(tmp_path / "journal.db"))


def unlimited() -> Limiter:
    return Limiter(Limits(per_second=10_000, chat_burst=10_000, chat_gap=0, spread=0), clock=lambda: 0.0)


def add(engine: Engine, key: str, *, ticket_id: int | None = None) -> None:
    with session_scope(engine) as session:
        enqueue(session, key=key, method=Method.MESSAGE, chat_id=1, payload={"text": key}, ticket_id=ticket_id)


def states(engine: Engine) -> list[tuple[str, dict[str, object] | None]]:
    with session_scope(engine) as session:
        return [(row.state, row.result) for row in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))]


async def test_a_send_a_kill_cut_off_from_its_record_is_recorded_at_start_and_not_sent_again(
        engine: Engine, tmp_path: Path) -> None:
    add(engine, "card")
    calls: list[str] = []
    settled: list[Outcome] = []

    async def deliver(row: OutboxMessage, payload: dict[str, object]) -> Outcome:
        calls.append(row.key)
        return Sent({"message_id": 7})

    with pytest.raises(Kill):
        await OutboxSender(engine, deliver, limiter=unlimited(),
                           journal=KilledAfterNote(tmp_path / "sends", kill_at=1)).run_once()
    assert states(engine) == [(Delivery.PENDING, None)]

    def hook(_session: Session, _row: OutboxMessage, outcome: Outcome) -> None:
        settled.append(outcome)

    restarted = OutboxSender(engine, deliver, limiter=unlimited(), on_settled=[hook],
                             journal=SendJournal(tmp_path / "sends"))
    assert restarted.recover() == (1, 0)
    assert await restarted.run_once() == 0
    assert calls == ["card"]
    assert states(engine) == [(Delivery.SENT, {"message_id": 7})]
    assert settled == [Sent({"message_id": 7})]  # what waits on the send (a ticket's card id) hears of it too


async def test_a_long_text_goes_on_after_its_last_noted_piece(engine: Engine, tmp_path: Path) -> None:
    add(engine, "long")
    sent: list[int] = []

    async def deliver(row: OutboxMessage, payload: dict[str, object]) -> Outcome:
        done = [*(row.result or {}).get("pieces", []), len(sent) + 1]
        sent.append(len(done))
        return Partial({"pieces": done}) if len(done) < 3 else Sent({"message_id": done[0], "pieces": done})

    with pytest.raises(Kill):  # the second piece reached Telegram, then the process died
        await OutboxSender(engine, deliver, limiter=unlimited(),
                           journal=KilledAfterNote(tmp_path / "sends", kill_at=2)).run_once()
    assert states(engine) == [(Delivery.PENDING, {"pieces": [1]})]
    restarted = OutboxSender(engine, deliver, limiter=unlimited(), journal=SendJournal(tmp_path / "sends"))
    assert restarted.recover() == (1, 0)
    await restarted.run_once()
    assert sent == [1, 2, 3]
    assert states(engine) == [(Delivery.SENT, {"message_id": 1, "pieces": [1, 2, 3]})]


async def test_a_note_is_applied_once_however_often_the_journal_is_read(engine: Engine, tmp_path: Path) -> None:
    add(engine, "a")

    async def deliver(row: OutboxMessage, payload: dict[str, object]) -> Outcome:
        return Sent({"message_id": 1})

    journal = SendJournal(tmp_path / "sends")
    await OutboxSender(engine, deliver, limiter=unlimited(), journal=journal).run_once()
    (tmp_path / "copy").write_bytes((tmp_path / "sends").read_bytes())
    assert (tmp_path / "copy").stat().st_size > 0  # the note was written and stays until emptied
    again = OutboxSender(engine, deliver, limiter=unlimited(), journal=SendJournal(tmp_path / "copy"))
    assert again.recover() == (0, 0)  # the row holds the send already
    assert states(engine) == [(Delivery.SENT, {"message_id": 1})]


async def test_failures_leave_nothing_to_recover_and_the_journal_empties_once_all_is_recorded(
        engine: Engine, tmp_path: Path) -> None:
    for key in ("a", "b", "c"):
        add(engine, key)

    async def deliver(row: OutboxMessage, payload: dict[str, object]) -> Outcome:
        return RetryLater("502") if row.key == "a" else Sent({"message_id": 1})

    journal = SendJournal(tmp_path / "sends", empty_after=1)
    sender = OutboxSender(engine, deliver, limiter=unlimited(), journal=journal)
    await sender.run_once()
    assert journal.waiting == 0
    assert (tmp_path / "sends").stat().st_size == 0
    assert list(journal.entries()) == [] and journal.in_doubt() == []


async def test_a_call_a_kill_cut_off_before_telegram_answered_goes_again_and_is_counted_as_in_doubt(
        engine: Engine, tmp_path: Path) -> None:
    add(engine, "answer")
    performed: list[str] = []

    async def deliver(row: OutboxMessage, payload: dict[str, object]) -> Outcome:
        performed.append(row.key)
        if len(performed) == 1:
            raise Kill  # Telegram took the call; the process died before its answer came
        return Sent({"message_id": 2})

    with pytest.raises(Kill):
        await OutboxSender(engine, deliver, limiter=unlimited(), journal=SendJournal(tmp_path / "sends")).run_once()
    restarted = OutboxSender(engine, deliver, limiter=unlimited(), journal=SendJournal(tmp_path / "sends"))
    assert restarted.recover() == (0, 1)
    assert states(engine) == [(Delivery.PENDING, {"ambiguous": 1})]
    await restarted.run_once()
    assert performed == ["answer", "answer"]  # the Bot API cannot tell whether it arrived: sent again, not lost
    assert states(engine) == [(Delivery.SENT, {"message_id": 2, "ambiguous": 1})]


def test_a_line_a_kill_cut_short_is_skipped(tmp_path: Path) -> None:
    journal = SendJournal(tmp_path / "sends")
    journal.note(3, Sent({"message_id": 9}), at=datetime.now())
    with (tmp_path / "sends").open("a") as file:
        file.write('{"row":4,"at":1.0,"kind":"Se')
    assert [(row, outcome) for row, outcome, _at in journal.entries()] == [(3, Sent({"message_id": 9}))]


def test_only_a_sqlite_file_keeps_a_journal(tmp_path: Path) -> None:
    on_file = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    journal = SendJournal.beside(on_file)
    assert journal is not None and journal.path == tmp_path / "x.db-sends"
    journal.close()
    assert SendJournal.beside(make_engine("sqlite:///:memory:")) is None
    assert SendJournal.beside(create_engine("postgresql+psycopg://kl@127.0.0.1/kl")) is None


def test_only_a_call_left_without_any_outcome_is_in_doubt(tmp_path: Path) -> None:
    journal = SendJournal(tmp_path / "sends")
    for row, outcome in ((5, RetryLater("502")), (6, Sent({"message_id": 1})), (7, None)):
        journal.trying(row)
        if outcome is not None:
            journal.note(row, outcome, at=datetime.now())
    assert journal.in_doubt() == [7]
