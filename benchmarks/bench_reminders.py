"""A reminder run for 10,000 subscribers: the real bot process against the Bot API emulator, killed with SIGKILL
half way and started again.

    python benchmarks/bench_reminders.py [--subscribers 10000] [--events 500] [--kill-at 0.5]

Every subscriber (Flen, four languages in turn) has a funding deadline 14 days away; the first `--events` of them also
subscribed to events and get one new event with its .ics file, so their chat gets two messages and the one-a-second
limit per chat is exercised. `python -m bot run` runs with its own clock and job queue; once `--kill-at` of the
messages have reached the emulator, and a moment drawn within the next second later, the process gets SIGKILL, then
starts again on the same SQLite file and finishes.
The emulator stamps every message it accepts: the table says what arrived once, twice or never, the most messages in
any one second overall, and the shortest gap between two messages to one chat.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import random
import signal
import sys
import tempfile
import textwrap
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.storage.database import open_database, session_scope  # noqa: E402
from bot.storage.reminder_tables import Subscription, Topic  # noqa: E402
from bot.storage.tables import Actor  # noqa: E402
from tests.emulator import BotApiEmulator  # noqa: E402

FIRST_CHAT = 10_000_000
LANGUAGES = ("sv", "da", "nl", "en")


def write_base(folder: Path, today: datetime) -> None:
    """One fund in Sörmland closing in 14 days, one event in Flen."""
    folder.mkdir(parents=True)
    deadline = (today + timedelta(days=14)).date().isoformat()
    (folder / "funding.yaml").write_text(textwrap.dedent(f"""\
        kind: funding
        entries:
          - id: bench-fund
            title: "Sörmlands kulturstöd"
            summary: "Stöd till kultur i Sörmland."
            regions: [se, Sörmland]
            deadline: {deadline}
        """), encoding="utf-8")
    (folder / "event.yaml").write_text(textwrap.dedent("""\
        kind: event
        entries:
          - id: bench-event
            title: "Kulturfrukost i Flen"
            summary: "Frukost, nyheter och nätverk, för kulturaktörer."
            regions: [se, Sörmland, Flen]
            starts: 2099-04-08T08:00
            place: "Flens bibliotek"
        """), encoding="utf-8")


def seed_database(url: str, *, subscribers: int, events: int) -> None:
    """Actors with a profile in Flen and their subscriptions, as /remind leaves them (no event known yet)."""
    engine = open_database(url)
    with session_scope(engine) as session:
        for n in range(subscribers):
            key = f"bench-{n:05d}"
            session.add(Actor(key=key, language=LANGUAGES[n % 4], region="Flen"))
            session.add(Subscription(user_key=key, topic=Topic.DEADLINES, chat_id=FIRST_CHAT + n))
            if n < events:
                session.add(Subscription(user_key=key, topic=Topic.EVENTS, chat_id=FIRST_CHAT + n, known=[]))
    engine.dispose()


async def start_bot(config: Path, token: str, log: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": token, "KULTURLOTS_SECRET": "bench"}
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "--config", str(config), "run", env=env,
                                                cwd=ROOT, stdout=log.open("ab"), stderr=asyncio.subprocess.STDOUT)


async def wait_until(predicate: object, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.2)
    return False


def busiest_second(times: list[float]) -> int:
    """The most messages within any window of one second."""
    return max((bisect.bisect_right(times, t + 1.0 - 1e-9) - i for i, t in enumerate(times)), default=0)


def shortest_gap(timeline: list[tuple[float, int]]) -> float | None:
    last: dict[int, float] = {}
    gaps: list[float] = []
    for moment, chat in timeline:
        if chat in last:
            gaps.append(moment - last[chat])
        last[chat] = moment
    return min(gaps) if gaps else None


async def bench(subscribers: int, events: int, kill_at: float, seed: int) -> list[tuple[str, str]]:
    work = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    emulator = await BotApiEmulator().start()
    for n in range(subscribers):
        emulator.user(FIRST_CHAT + n, first_name=f"B{n}", language_code=LANGUAGES[n % 4])
    today = datetime.now(ZoneInfo("Europe/Stockholm"))
    write_base(work / "kb", today)
    config = work / "config.yaml"
    config.write_text(textwrap.dedent(f"""\
        knowledge: {{path: kb}}
        storage: {{url: "sqlite:///{work / 'bot.db'}"}}
        telegram: {{base_url: "{emulator.base_url}", base_file_url: "{emulator.base_file_url}", poll_timeout: 1}}
        reminders: {{days_before: [14, 3], hour: 0}}
        """), encoding="utf-8")
    seed_database(f"sqlite:///{work / 'bot.db'}", subscribers=subscribers, events=events)
    expected = subscribers + events
    log = work / "bot.log"

    def arrived() -> int:
        return len(emulator.timeline)

    started = time.monotonic()
    process = await start_bot(config, emulator.token, log)
    await wait_until(lambda: arrived() >= expected * kill_at, timeout=3600)
    await asyncio.sleep(random.Random(seed).uniform(0.0, 1.0))  # a moment unrelated to any one message
    process.kill()  # SIGKILL: no shutdown, whatever was under way
    await process.wait()
    at_kill = arrived()
    await asyncio.sleep(1.0)
    process = await start_bot(config, emulator.token, log)
    finished = await wait_until(lambda: arrived() >= expected, timeout=3600)
    await asyncio.sleep(10.0)  # anything sent twice after the last one would land now
    process.send_signal(signal.SIGTERM)
    await process.wait()
    elapsed = time.monotonic() - started
    await emulator.stop()

    per_chat = Counter(chat for _, chat in emulator.timeline)
    kinds = Counter((m["chat"]["id"], "document" in m) for m in emulator.sent)
    twice = sum(count - 1 for count in kinds.values() if count > 1)
    wanted = {(FIRST_CHAT + n, False) for n in range(subscribers)} | {(FIRST_CHAT + n, True) for n in range(events)}
    lost = len(wanted - set(kinds))
    times = sorted(moment for moment, _ in emulator.timeline)
    gap = shortest_gap(emulator.timeline)
    sending = times[-1] - times[0] if len(times) > 1 else 0.0
    return [("subscribers", f"{subscribers:,}"), ("reminders due (deadline messages + event .ics documents)",
                                                  f"{expected:,} ({subscribers:,} + {events:,})"),
            ("messages at the emulator when SIGKILL came", f"{at_kill:,}"),
            ("all delivered after the restart", "yes" if finished else "no"),
            ("messages the emulator accepted", f"{len(emulator.timeline):,}"),
            ("sent twice", f"{twice:,}"), ("lost", f"{lost:,}"),
            ("chats that got a message", f"{len(per_chat):,}"),
            ("most messages in any one second (limit 30)", str(busiest_second(times))),
            ("shortest gap between two messages to one chat (limit 1 s)", "-" if gap is None else f"{gap:.2f} s"),
            ("mean rate while sending", f"{len(times) / sending:.1f} /s" if sending else "-"),
            ("wall time, both runs (s)", f"{elapsed:.0f}")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--kill-at", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1, help="draws the kill's moment within a second")
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    rows = asyncio.run(bench(args.subscribers, args.events, args.kill_at, args.seed))
    print("| measure | value |\n| --- | ---: |")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
