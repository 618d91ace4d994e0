"""Users' answers while staff build a report: 500 users' questions, each from update to answer, while `/report`
over 100,000 needs runs in the staff group, beside the same run without the report. Target: p99 ≤ 250 ms.

    python benchmarks/report_latency.py [--needs 100000] [--users 500] [--every 0.1] [--database-url URL]

The real path: python-telegram-bot's Application (build_application, running) polls the strict Bot API emulator
(tests/emulator.py) in this process; each user sends one question from the labelled sets, one every `--every`
seconds; the time is taken from the moment the update is queued at the emulator to the moment the emulator
receives the sendMessage that answers it. The staff's `/report 2026` covers every seeded need. SQLite by default
(a file in a temporary folder); with `--database-url` (default $KULTURLOTS_BENCH_DATABASE_URL) a PostgreSQL server,
on which a fresh database is created and dropped at the end (`.ci/postgres` starts a throwaway server).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
os.environ.setdefault("PTB_TIMEDELTA", "true")

import sqlalchemy as sa  # noqa: E402
import yaml  # noqa: E402
from bench_needs import needs  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.config import Settings, StaffSettings, StorageSettings, TelegramSettings  # noqa: E402
from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.storage.database import make_engine  # noqa: E402
from bot.storage.schema import upgrade  # noqa: E402
from bot.storage.tables import Actor, Need, Ticket  # noqa: E402
from handlers.application import build_application, running  # noqa: E402
from tests.emulator import BotApiEmulator  # noqa: E402

TARGET_MS = 250.0
WARM_UP = 50  # questions asked and not counted: the first of each kind pays for caches and pools
START_UP = 8.0  # seconds
GROUP, STAFF = -1001000000001, 900
SETS = ("dev.yaml", "independent.yaml", "chat_fresh.yaml")
LANGUAGE_CODES = {"sv": "sv", "da": "da", "nl": "nl", "en": "en"}


@dataclass(frozen=True, slots=True)
class Round:
    """One run: each question's milliseconds from update to answer, and the report's seconds (None: no report)."""

    latencies: list[float]
    report_seconds: float | None
    during_report: int  # questions answered while the report was still being built


def questions(count: int) -> list[tuple[str, str]]:
    """(text, language) pairs from the labelled sets, shuffled the same way every run."""
    items = [(item["q"], item.get("lang", "en")) for name in SETS
             for item in yaml.safe_load((ROOT / "tests" / "data" / "eval" / name).read_text(encoding="utf-8"))]
    random.Random(13).shuffle(items)
    return [items[n % len(items)] for n in range(count)]


def seed(url: str, count: int) -> None:
    """`count` needs (a tenth with tickets) over 2026, as benchmarks/bench_needs.py writes them."""
    engine = make_engine(url)
    upgrade(engine)
    entries = [(e.id, e.kind) for e in load_knowledge(ROOT / "knowledge")]
    need_rows, ticket_rows = [], []
    for need, ticket in needs(count, entries, random.Random(2026)):
        need["update_id"] = None  # logged long ago: the emulator numbers its updates from 1
        if ticket is not None:
            ticket["id"] = len(ticket_rows) + 1
            need["ticket_id"] = ticket["id"]
            ticket_rows.append(ticket)
        need_rows.append(need)
    actors = {n["user_key"]: {"key": n["user_key"], "language": n["language"]} for n in need_rows}
    with engine.begin() as connection:
        connection.execute(sa.insert(Actor.__table__), list(actors.values()))  # type: ignore[attr-defined]
        connection.execute(sa.insert(Ticket.__table__), ticket_rows)  # type: ignore[attr-defined]
        for start in range(0, len(need_rows), 20_000):
            connection.execute(sa.insert(Need.__table__), need_rows[start:start + 20_000])  # type: ignore[attr-defined]
        if engine.dialect.name == "postgresql":  # rows written with their ids: the sequences move past them
            for table in ("need", "ticket"):
                connection.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                           f"(SELECT max(id) FROM {table}))"))
    engine.dispose()


async def rounds(url: str, *, asked: list[tuple[str, str]], every: float) -> dict[str, Round]:
    """One bot on the emulator: the questions without a report, then the same questions from other users while
    `/report` runs (one session, so update ids never repeat and start-up work is over before the first round)."""
    emulator = await BotApiEmulator().start()
    answered: dict[int, float] = {}
    send = emulator.api_sendmessage

    async def timed_send(params: dict[str, Any]) -> dict[str, Any]:
        answered.setdefault(params["chat_id"], time.monotonic())
        return await send(params)

    emulator.api_sendmessage = timed_send  # type: ignore[method-assign]
    emulator.group(GROUP)
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url,
                                                  poll_timeout=1),
                        staff=StaffSettings(group_chat_id=GROUP, user_ids=(STAFF,)), storage=StorageSettings(url=url))
    services = build_services(settings, secret=b"bench-report-latency")
    application = build_application(settings, token=emulator.token, services=services)
    try:
        async with running(application, poll_timeout=1, outbox_idle=0.05):
            await asyncio.sleep(START_UP)  # the first reminder round (open tickets, the weekly review) goes first
            await one_round(emulator, answered, asked=asked[:WARM_UP], every=every, first_user=5_000, report=False)
            quiet = await one_round(emulator, answered, asked=asked, every=every, first_user=10_000, report=False)
            busy = await one_round(emulator, answered, asked=asked, every=every, first_user=20_000, report=True)
    finally:
        await emulator.stop()
        services.engine.dispose()
    return {"without the report": quiet, "while /report runs": busy}


async def one_round(emulator: BotApiEmulator, answered: dict[int, float], *, asked: list[tuple[str, str]],
                    every: float, first_user: int, report: bool) -> Round:
    """(Maybe) ask for the report, send the questions one every `every` seconds, time each answer."""
    sent: dict[int, float] = {}
    started = time.monotonic()
    if report:
        await emulator.user(STAFF).send_in(emulator.chats[GROUP], "/report 2026")
        await asyncio.sleep(0.5)  # the report under way before the first question
    for n, (text, language) in enumerate(asked):
        user = emulator.user(first_user + n, language_code=LANGUAGE_CODES.get(language, "en"))
        await user.send(text)
        sent[user.id] = time.monotonic()
        await asyncio.sleep(every)
    await emulator.wait_for(lambda: all(u in answered for u in sent), timeout=600)
    if not report:
        return Round([1000 * (answered[u] - sent[u]) for u in sent], None, 0)
    await emulator.wait_for(lambda: emulator.documents, timeout=600)
    done = time.monotonic()
    return Round([1000 * (answered[u] - sent[u]) for u in sent], done - started,
                 sum(answered[u] <= done for u in sent))


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@contextmanager
def database(server: str | None, folder: Path) -> Iterator[str]:
    """A SQLite file in `folder`, or a fresh database on the PostgreSQL server (dropped afterwards)."""
    if server is None:
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    name = f"kl_bench_{os.getpid()}"
    admin = sa.create_engine(server, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--every", type=float, default=0.1, help="seconds between two users' questions")
    parser.add_argument("--database-url", default=os.environ.get("KULTURLOTS_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    asked = questions(args.users)
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as scratch, \
            database(args.database_url, Path(scratch)) as url:
        began = time.perf_counter()
        seed(url, args.needs)
        kind = make_url(url).get_backend_name()
        print(f"{args.needs} needs seeded on {kind} in {time.perf_counter() - began:.1f} s; {args.users} users, "
              f"one question every {args.every * 1000:.0f} ms; load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} CPUs\n")
        measured = asyncio.run(rounds(url, asked=asked, every=args.every))
    print("| database | run | answers | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | report (s) | answered during it |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    missed = False
    for name, result in measured.items():
        p99 = percentile(result.latencies, 0.99)
        missed |= p99 > TARGET_MS
        report = f"{result.report_seconds:.1f}" if result.report_seconds is not None else "–"
        during = str(result.during_report) if result.report_seconds is not None else "–"
        print(f"| {kind} | {name} | {len(result.latencies)} | {statistics.median(result.latencies):.0f} | "
              f"{percentile(result.latencies, 0.95):.0f} | {p99:.0f} | {max(result.latencies):.0f} | {report} | "
              f"{during} |")
    print(f"\ntarget: p99 ≤ {TARGET_MS:.0f} ms from update to answer: {'missed' if missed else 'met'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
