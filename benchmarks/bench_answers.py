"""A user's answer latency over the Bot API: the real Application against the emulator, one question at a time.

    python benchmarks/bench_answers.py [--questions 60] [--backlog 1000]

Each question comes from its own user and waits for its answer (update in the emulator's queue → the answer's
sendMessage performed there). `--backlog N` queues N staff-group messages in the outbox first: the group takes
20 a minute, so they stay queued for the whole run, as a staff backlog would. `KULTURLOTS_SOURCE=DIR` runs the
code in DIR instead (e.g. an export of an earlier commit), to compare on the same machine in the same hour.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(os.environ.get("KULTURLOTS_SOURCE") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

from bot.config import KnowledgeSettings, Settings, StaffSettings, TelegramSettings  # noqa: E402
from bot.desk.outbox import Method, enqueue  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.storage.database import open_database, session_scope  # noqa: E402
from handlers.application import build_application, running  # noqa: E402
from tests.emulator import BotApiEmulator  # noqa: E402

GROUP = -1001000000001
QUESTIONS = ("hvem er kulturkonsulent i næstved", "vem är kulturutvecklare i flen", "subsidie voor jeugdtheater leiden",
             "when is the next culture breakfast")


async def measure(questions: int, backlog: int) -> list[float]:
    emulator = await BotApiEmulator().start()
    emulator.group(GROUP)
    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(f"sqlite:///{Path(folder) / 'bench.db'}")
        with session_scope(engine) as session:
            for n in range(backlog):
                enqueue(session, key=f"backlog:{n}", method=Method.MESSAGE, chat_id=GROUP, payload={"text": f"{n}"})
        settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                            staff=StaffSettings(group_chat_id=GROUP, user_ids=(900,)),
                            knowledge=KnowledgeSettings(path=ROOT / "tests" / "data" / "kb"))
        services = build_services(settings, engine=engine, secret=b"bench", clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
        waits = []
        async with running(build_application(settings, token=emulator.token, services=services), poll_timeout=1,
                           outbox_idle=0.05):
            for n in range(questions):
                user = emulator.user(10_000 + n, language_code="da")
                began = time.perf_counter()
                await user.send(QUESTIONS[n % len(QUESTIONS)])
                await user.next_message(timeout=30)
                waits.append(time.perf_counter() - began)
        engine.dispose()
    await emulator.stop()
    return waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--backlog", type=int, default=0)
    args = parser.parse_args()
    waits = sorted(asyncio.run(measure(args.questions, args.backlog)))
    ms = [w * 1000 for w in waits]
    print("| code | staff rows queued | questions | p50 (ms) | p95 (ms) | max (ms) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(f"| {ROOT.name} | {args.backlog:,} | {len(ms)} | {statistics.median(ms):.0f} | "
          f"{ms[int(0.95 * (len(ms) - 1))]:.0f} | {ms[-1]:.0f} |")


if __name__ == "__main__":
    main()
