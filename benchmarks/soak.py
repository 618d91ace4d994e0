"""Proof that nothing is lost: `python -m bot --config X run` as a real process against a Bot API of its own (the
project's strict emulator behind injected faults and Telegram's rate limits), driven with kills, faults, hostile
updates and load. Each scenario prints one table (README, "Reliability").

    python benchmarks/soak.py crash|crash_aimed|faults|hostile|load|floor [--short] [--keep DIR]

crash        random SIGKILLs while 200 people ask 2,000 questions, some handed to staff, who answer
crash_aimed  SIGKILLs right after a batch of updates arrives and right after each kind of send
faults       30 % of sending calls fail: 429 with retry_after, 500, 502, answered after the client's timeout, dropped
hostile      >= 10,000 hostile updates; a normal question right after every malformed one
load         500 people, each asking again when answered: a bare python-telegram-bot echo bot, then Kulturlots without
             limits, with Telegram's limits enforced, and with 1,000 tickets queued for staff
floor        the same people, four bots in turn: the echo bot, Kulturlots, and Kulturlots with one constant answer
             (the durable path alone), recorded and sent through the outbox or sent straight away
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: the repository root holds the packages it reads
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.soak_api import Faults, Limits
from benchmarks.soak_bot import GROUP, count_rows
from benchmarks.soak_hostile import CHANNEL, FOREIGN, Hostile
from benchmarks.soak_measure import table
from benchmarks.soak_run import Run, with_run
from benchmarks.soak_traffic import LANGUAGES, STAFF_MARK, question_pool, questions_in

ECHO = Path(__file__).resolve().parent / "soak_echo.py"
FLOOR = Path(__file__).resolve().parent / "soak_floor.py"


@dataclass(frozen=True)
class Size:
    """How much a scenario feeds; the short form runs in the test suite."""

    users: int = 200
    questions: int = 10
    humans: int = 20
    kills: int = 8
    hostile: int = 10_000
    backlog: int = 1_000
    drain: float = 900.0
    kill_every: tuple[float, float] = (2.0, 8.0)  # seconds between random kills
    aim_wait: float = 15.0  # seconds crash_aimed waits for the call it aims at
    aims: tuple[str, ...] = ()  # what crash_aimed kills after, in turn (empty: every kind, 20 kills)


FULL = Size()
SHORT = Size(users=6, questions=3, humans=2, kills=1, hostile=240, backlog=30, drain=60.0, kill_every=(0.8, 1.2),
             aims=("a reply was sent", "a staff answer was relayed"))


def plan(size: Size, *, seed: int, first: int = 1000) -> tuple[dict[int, tuple[str, list[str]]], dict[int, int]]:
    """Each person's language and questions (the shipped base's examples, each asked once by them), and which
    question some hand to a person."""
    rng, pool = random.Random(seed), question_pool()
    languages = [rng.choice(LANGUAGES) for _ in range(size.users)]
    questions = {first + n: (lang, rng.sample(questions_in(pool, lang), size.questions))
                 for n, lang in enumerate(languages)}
    humans = {user: rng.randrange(size.questions) for user in rng.sample(sorted(questions), size.humans)}
    return questions, humans


async def crash(folder: Path, size: Size) -> dict[str, Any]:
    async def body(run: Run) -> dict[str, Any]:
        run.staff_answer()
        questions, humans = plan(size, seed=1)
        people = asyncio.create_task(run.people(questions, human=humans))
        rng = random.Random(11)
        for _ in range(size.kills):
            await asyncio.wait([people], timeout=rng.uniform(*size.kill_every))
            if people.done():
                break
            await run.restart()
        await people
        return await run.finish(await run.drain(size.drain))

    return await with_run(folder, body)


# What crash_aimed kills right after: the call the API has just performed, then SIGKILL before the bot hears back.
AIMS: dict[str, Callable[[str, dict[str, Any]], bool]] = {
    "a batch of updates arrived": lambda method, p: method == "getUpdates" and p.get("_batch", 0) > 0,
    "a reply was sent": lambda method, p: method == "sendMessage" and p.get("chat_id", 0) > 0
    and STAFF_MARK not in str(p.get("text")),
    "a topic was created": lambda method, p: method == "createForumTopic",
    "a card was posted to staff": lambda method, p: method == "sendMessage" and p.get("chat_id") == GROUP,
    "a staff answer was relayed": lambda method, p: method in ("sendMessage", "copyMessage")
    and p.get("chat_id", 0) > 0 and STAFF_MARK in str(p.get("text")),
}


async def crash_aimed(folder: Path, size: Size) -> dict[str, Any]:
    async def body(run: Run) -> dict[str, Any]:
        run.staff_answer()
        questions, humans = plan(Size(users=max(4, size.users // 5), questions=size.questions,
                                      humans=max(2, size.humans // 2)), seed=2)
        humans = {user: size.questions - 1 for user in humans}  # the last: tickets come once the kills began
        people = asyncio.create_task(run.people(questions, human=humans))
        hits = dict.fromkeys(AIMS, 0)
        names = list(size.aims or AIMS)
        rng = random.Random(5)
        for shot in range(len(size.aims) or 20):
            aim = names[shot % len(names)]
            fired = asyncio.Event()

            def watch(method: str, params: dict[str, Any], aim: str = aim, fired: asyncio.Event = fired) -> None:
                if not fired.is_set() and AIMS[aim](method, params):
                    fired.set()

            run.api.on_call = watch
            try:
                await asyncio.wait_for(fired.wait(), timeout=size.aim_wait)
            except TimeoutError:
                continue
            finally:
                run.api.on_call = None
            if aim == "a batch of updates arrived":
                await asyncio.sleep(rng.uniform(0.0, 0.25))
            hits[aim] += 1
            await run.restart()
        await people
        seconds = await run.drain(size.drain)
        return await run.finish(seconds, **{"kills aimed: " + ", ".join(AIMS): " / ".join(map(str, hits.values()))})

    return await with_run(folder, body)


async def faults(folder: Path, size: Size, *, faults: Faults | None = None) -> dict[str, Any]:
    async def body(run: Run) -> dict[str, Any]:
        run.staff_answer()
        questions, humans = plan(size, seed=3)
        await run.people(questions, human=humans)
        return await run.finish(await run.drain(size.drain))

    return await with_run(folder, body, faults=faults or Faults(rate=0.3))


async def hostile(folder: Path, size: Size) -> dict[str, Any]:
    async def body(run: Run) -> dict[str, Any]:
        feeder = Hostile(run.api, run.record, questions=[q for qs in question_pool().values() for q in qs])
        rng = random.Random(4)
        while feeder.fed < size.hostile:
            await feeder.feed(rng.randrange(2000, 2000 + max(10, size.hostile // 25)))
            if feeder.fed % 20 == 0:
                await asyncio.sleep(0.01)

        def done() -> bool:
            return run.settled() and count_rows(run.bot.setup.database, "inboxupdate", "processed_at IS NULL") == 0 \
                and run.api.confirmed >= max(run.api.fed_at)

        seconds = await run.drain(size.drain, done)
        ignored = sum(len(run.api.messages_to(chat)) for chat in (FOREIGN, CHANNEL))
        return await run.finish(seconds, **{
            "messages into chats the bot does not serve": ignored,
            "set aside (quarantine)": count_rows(run.bot.setup.database, "quarantinedupdate"),
            "kinds fed": ", ".join(f"{k} {n}" for k, n in sorted(feeder.kinds.items()))})

    return await with_run(folder, body)


async def load_once(folder: Path, users: int, *, echo: bool = False, limits: Limits | None = None, backlog: int = 0,
                    drain: float = 900.0, questions: int = 10, per_second: int | None = None,
                    entry: tuple[str, ...] = ("-m", "bot")) -> dict[str, Any]:
    """One load run: `users` people asking `questions` each, each once the previous is answered; the bot keeps
    `per_second` messages a second in all itself (by default its own default, 28); `entry` runs Kulturlots."""
    async def body(run: Run) -> dict[str, Any]:
        if backlog:
            for n in range(backlog):
                await run.api.user(500_000 + n, language_code="sv").send(f"/human finns det bidrag för kör nr {n}")
            await run.drain(drain, lambda: count_rows(run.bot.setup.database, "ticket") >= backlog)
            queued = count_rows(run.bot.setup.database, "outboxmessage", f"chat_id = {GROUP} AND sent_at IS NULL")
        asked, _ = plan(Size(users=users, questions=questions, humans=0), seed=6, first=10_000)
        began = time.monotonic()
        await run.people(asked, wait=300.0, settle=0.0)
        seconds = time.monotonic() - began
        # the backlog's tickets wait for staff, at twenty a minute, long after the load: only the questions count
        await run.drain(drain, lambda: (run.replied() if backlog else run.settled())
                        and run.api.confirmed >= max(run.api.fed_at) and (
            not run.bot.setup.database.exists()
            or count_rows(run.bot.setup.database, "inboxupdate", "processed_at IS NULL") == 0))
        extra: dict[str, Any] = {"questions per second": f"{len(run.record.asked) / seconds:.0f}"}
        if backlog:
            extra["staff messages queued when the load began"] = queued
        return await run.finish(seconds, **extra)

    command = (sys.executable, str(ECHO)) if echo else ()
    return await with_run(folder, body, limits=limits, command=command, per_second=per_second, entry=entry)


# Without enforced limits the bot's own limit of 30 messages a second would be all that is measured: it is raised to
# what Telegram allows a bot with paid broadcasts, so the runs measure how fast Kulturlots handles updates.
PAID = 1000


async def load(folder: Path, size: Size) -> dict[str, dict[str, Any]]:
    users = size.users * 5 // 2
    return {"echo bot": await load_once(folder / "echo", users, echo=True),
            "Kulturlots": await load_once(folder / "plain", users, per_second=PAID),
            "Kulturlots, limits enforced": await load_once(folder / "limits", users, limits=Limits()),
            f"Kulturlots, {size.backlog} tickets queued": await load_once(folder / "backlog", users,
                                                                           backlog=size.backlog, per_second=PAID)}


async def floor(folder: Path, size: Size) -> dict[str, dict[str, Any]]:
    """What the durable path alone costs: the echo bot, Kulturlots, and Kulturlots answering every question with one
    constant answer (benchmarks/soak_floor.py), through the outbox and straight away, in turn on the same load."""
    users = size.users * 5 // 2
    return {"echo bot": await load_once(folder / "echo", users, echo=True),
            "Kulturlots": await load_once(folder / "plain", users, per_second=PAID),
            "constant answer, outbox": await load_once(folder / "constant", users, per_second=PAID,
                                                       entry=(str(FLOOR), "constant")),
            "constant answer, sent straight": await load_once(folder / "direct", users, per_second=PAID,
                                                              entry=(str(FLOOR), "direct"))}


SCENARIOS = {"crash": crash, "crash_aimed": crash_aimed, "faults": faults, "hostile": hostile, "load": load,
             "floor": floor}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--short", action="store_true", help="the short form the test suite runs")
    parser.add_argument("--keep", type=Path, help="keep the bot's folder (database, stderr) here")
    parser.add_argument("--drain", type=float, help="seconds to wait for everything to arrive after the traffic")
    args = parser.parse_args()
    size = SHORT if args.short else FULL
    if args.drain is not None:
        size = replace(size, drain=args.drain)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        result = asyncio.run(SCENARIOS[args.scenario](folder, size))
    columns = result if args.scenario in ("load", "floor") else {args.scenario: result}
    print(table(f"{args.scenario} ({'short' if args.short else 'full'}, {time.strftime('%Y-%m-%d')})", columns))


if __name__ == "__main__":
    main()
