"""Two `python -m bot run --webhook` processes on one PostgreSQL: 2,000 updates from 200 users, a tenth posted twice.

The emulator (tests/emulator.py) plays Telegram and the proxy in front of both processes: each update goes to one of
them, a tenth a second time to either. Prints a table and exits 1 unless each update was handled once, each ticket's
staff card posted once and each user's answers came in the order of their messages (tests/instances.py checks it).

    python benchmarks/instances.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The URL names a server where this user may create a database (one is made and dropped); without --database-url,
$KULTURLOTS_TEST_DATABASE_URL. `.ci/run` runs it on its throwaway server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "true")

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.storage.database import make_engine  # noqa: E402
from bot.storage.schema import upgrade  # noqa: E402
from tests.emulator import BotApiEmulator  # noqa: E402
from tests.instances import GROUP, PUBLIC, STAFF, Load, Outcome, answered, cards_posted, outcome, write  # noqa: E402

SECRET = "benchmark-webhook-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def config(folder: Path, emulator: BotApiEmulator, url: str, port: int) -> Path:
    path = folder / f"instance-{port}.yaml"
    path.write_text(f"""knowledge:\n  path: {ROOT / 'tests' / 'data' / 'kb'}\nstorage:\n  url: {url}\n
telegram:\n  base_url: {emulator.base_url}\n  base_file_url: {emulator.base_file_url}\n  webhook:\n    port: {port}\n
staff:\n  group_chat_id: {GROUP}\n  user_ids: [{STAFF}]\n""", encoding="utf-8")
    return path


async def start(emulator: BotApiEmulator, url: str, folder: Path, count: int) -> list[asyncio.subprocess.Process]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": emulator.token, "KULTURLOTS_SECRET": "benchmark-secret",
           "KULTURLOTS_WEBHOOK_SECRET": SECRET}
    ports = [free_port() for _ in range(count)]
    processes = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config(folder, emulator, url, port)), "run", "--webhook", PUBLIC,
        env=env, cwd=folder, stderr=(folder / f"instance-{port}.log").open("wb")) for port in ports]
    await emulator.wait_for(lambda: sum(m == "setWebhook" for m, _ in emulator.calls) >= count, timeout=120)
    emulator.behind_proxy(*(f"http://127.0.0.1:{port}" for port in ports))
    return processes


async def run(url: str, load: Load, count: int) -> Outcome:
    emulator = await BotApiEmulator().start()
    emulator.group(GROUP).members[STAFF] = "administrator"
    with tempfile.TemporaryDirectory() as folder:
        processes = await start(emulator, url, Path(folder), count)
        try:
            sent = await write(emulator, load)
            await emulator.wait_for(lambda: answered(emulator, sent), timeout=900)
            await emulator.wait_for(lambda: cards_posted(emulator) >= sent.humans, timeout=120)
            await emulator.idle(timeout=60)
            result = outcome(emulator, make_engine(url), sent)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            await asyncio.gather(*(asyncio.wait_for(p.wait(), 60) for p in processes), return_exceptions=True)
            await emulator.stop()
    return result


def fresh_database(server: str) -> str:
    """A new database on the server, at the current schema."""
    name = f"kl_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def drop(server: str, url: str) -> None:
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def table(load: Load, count: int, result: Outcome) -> str:
    updates = load.users * load.per_user
    rows = [("instances", f"{count}"), ("users", f"{load.users:,}"), ("updates", f"{updates:,}"),
            ("updates posted twice (both taken with 200)", f"{result.repeated:,}"),
            ("tickets (staff cards)", f"{len(result.cards):,}"),
            ("updates logged twice / never", f"{len(result.needs_twice)} / {len(result.needs_missing)}"),
            ("users answered out of order", f"{len(result.out_of_order)}"),
            ("staff cards not posted exactly once", f"{sum(n != 1 for n in result.cards.values())}"),
            ("seconds, first update to last answer", f"{result.seconds:.1f}"),
            ("updates per second", f"{updates / result.seconds:.1f}")]
    return "\n".join(["| measure | value |", "| --- | ---: |", *(f"| {name} | {value} |" for name, value in rows)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("KULTURLOTS_TEST_DATABASE_URL"))
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--per-user", type=int, default=10)
    parser.add_argument("--repeat", type=float, default=0.1)
    parser.add_argument("--instances", type=int, default=2)
    args = parser.parse_args()
    if not args.database_url or args.database_url.startswith("sqlite"):
        print("needs a PostgreSQL server: --database-url or $KULTURLOTS_TEST_DATABASE_URL", file=sys.stderr)
        return 2
    load = Load(users=args.users, per_user=args.per_user, repeat=args.repeat)
    url = fresh_database(args.database_url)
    started = time.monotonic()
    try:
        result = asyncio.run(run(url, load, args.instances))
    finally:
        drop(args.database_url, url)
    print(table(load, args.instances, result))
    print(f"\n({time.monotonic() - started:.0f} s in all, with start and stop)")
    for problem in result.problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
