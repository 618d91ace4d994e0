"""Several webhook instances on one database, fed through the emulator's proxy: the load and what must hold after it,
shared by tests/handlers/test_instances_e2e.py (short form) and benchmarks/instances.py (full form).

Each user writes `per_user` questions whose answers differ from one to the next, so their order shows in the replies;
one user in `human_every` hands one question to a person (/human), which opens a ticket and posts its card to the staff
group through the outbox. The emulator posts every update to one instance or the other and `repeat` of them a second
time, to either."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.storage.database import session_scope
from bot.storage.tables import InboxUpdate, Need, Ticket
from tests.emulator import BotApiEmulator

PUBLIC = "https://bot.example.org/telegram/hook"
GROUP, STAFF = -1001000000001, 900
# Swedish questions the reference base answers outright, each with another entry (the answer's first line)
QUESTIONS = (("finns det en kurs i projektledning", "Projektledning för kulturprojekt"),
             ("internationellt utbyte konstnärsnämnden", "Konstnärsnämnden: bidrag för internationellt utbyte och resor"),
             ("vem är kultursamordnare i flen", "Kultursamordnare, Flens kommun"),
             ("turnébidrag teater", "Kulturrådet: projektbidrag till fri scenkonst"))
HANDED_OVER = "#"  # the receipt of /human names the ticket's number
CARD = re.compile(r"#\d+ · ")


@dataclass(frozen=True, slots=True)
class Load:
    """How many users write how much; which share of updates is posted twice."""

    users: int = 200
    per_user: int = 10
    repeat: float = 0.1
    human_every: int = 10
    first_user: int = 10_000


@dataclass
class Sent:
    """What the users wrote, in order, and what each message should be answered with."""

    expected: dict[int, list[str]] = field(default_factory=dict)  # user id -> expected first lines (or "#")
    update_ids: list[int] = field(default_factory=list)
    humans: int = 0
    started: float = 0.0


def message(load: Load, user: int, k: int) -> tuple[str, str]:
    """The k-th message of a user and the start of its expected answer."""
    question, answer = QUESTIONS[(user + k) % len(QUESTIONS)]
    if user % load.human_every == 0 and k == load.per_user // 2:
        return f"/human {question} {k}", HANDED_OVER
    return f"{question} {k}", answer


async def write(emulator: BotApiEmulator, load: Load, *, seed: int = 7) -> Sent:
    """Every user's messages queued at once, interleaved at random; the emulator posts them (one per chat at a time)."""
    emulator.outgoing.repeat = load.repeat
    users = [emulator.user(load.first_user + n, language_code="sv") for n in range(load.users)]
    order = [(user, k) for user in users for k in range(load.per_user)]
    random.Random(seed).shuffle(order)
    order.sort(key=lambda pair: pair[1])  # a user's k-th message after their (k-1)-th; users interleaved
    sent = Sent(started=time.monotonic())
    for user, k in order:
        text, answer = message(load, user.id, k)
        sent.expected.setdefault(user.id, []).append(answer)
        sent.humans += answer == HANDED_OVER
        sent.update_ids.append((await user.send(text))["update_id"])
    return sent


def cards_posted(emulator: BotApiEmulator) -> int:
    """Ticket cards in the staff group so far ("#12 · Swedish · ..."), repeats included."""
    return sum(bool(CARD.match(m.get("text", ""))) for m in emulator.messages_to(GROUP))


def answered(emulator: BotApiEmulator, sent: Sent) -> bool:
    """Every user has as many replies as messages (or more: then the check below names the extra)."""
    return all(len(emulator.messages_to(user)) >= len(expected) for user, expected in sent.expected.items())


@dataclass(frozen=True, slots=True)
class Outcome:
    """What went wrong, if anything; empty lists mean the bar holds."""

    out_of_order: list[int]
    needs_twice: list[int]
    needs_missing: list[int]
    inbox_missing: int
    cards: Counter[int]
    repeated: int
    seconds: float

    @property
    def problems(self) -> list[str]:
        wrong_cards = {number: n for number, n in self.cards.items() if n != 1}
        return [text for text, bad in (
            (f"users answered out of order or twice: {self.out_of_order[:5]}", self.out_of_order),
            (f"updates logged twice: {self.needs_twice[:5]}", self.needs_twice),
            (f"updates never logged: {self.needs_missing[:5]}", self.needs_missing),
            (f"updates missing from the inbox: {self.inbox_missing}", self.inbox_missing),
            (f"staff cards not posted exactly once: {wrong_cards}", wrong_cards)) if bad]


def outcome(emulator: BotApiEmulator, engine: Engine, sent: Sent) -> Outcome:
    """Check the bar: each user's replies in the order of their messages, each update logged once, each ticket's
    staff card posted once."""
    out_of_order = []
    for user, expected in sent.expected.items():
        replies = [m.get("text", "") for m in emulator.messages_to(user)]
        if len(replies) != len(expected) or not all(
                (HANDED_OVER in reply) if want == HANDED_OVER else reply.startswith(want)
                for reply, want in zip(replies, expected, strict=True)):
            out_of_order.append(user)
    with session_scope(engine) as session:
        logged = Counter(session.exec(select(Need.update_id).where(col(Need.update_id).is_not(None))).all())
        numbers = [t.id for t in session.exec(select(Ticket)).all()]
        stored = len(session.exec(select(InboxUpdate.update_id).where(
            col(InboxUpdate.update_id).in_(sent.update_ids))).all())
    cards = Counter({number: sum(f"#{number} ·" in m.get("text", "") for m in emulator.messages_to(GROUP))
                     for number in numbers if number is not None})
    if len(numbers) != sent.humans:
        cards[-1] = len(numbers) - sent.humans  # a ticket too many or too few
    repeated = sum(n - 1 for n in Counter(u for u, _, status in emulator.outgoing.posted if status == 200).values())
    return Outcome(out_of_order=out_of_order, needs_twice=[u for u, n in logged.items() if n > 1],
                   needs_missing=[u for u in sent.update_ids if u not in logged],
                   inbox_missing=len(sent.update_ids) - stored, cards=cards, repeated=repeated,
                   seconds=time.monotonic() - sent.started)
