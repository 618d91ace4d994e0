"""The bot under test as a real process (`python -m bot --config X run`): started, killed with SIGKILL, restarted,
its peak memory sampled and its stderr kept, so tracebacks and exits are counted."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUP = -1001000000001  # the staff group
STAFF = 900


@dataclass(frozen=True)
class BotSetup:
    """Where the bot runs: its folder (config, SQLite file, stderr log) and the Bot API it is pointed at."""

    folder: Path
    base_url: str
    base_file_url: str
    token: str
    messages_per_minute: int = 60
    tickets_per_day: int = 5
    per_second: int | None = None  # messages a second in all the bot keeps itself (None: its default)

    @property
    def database(self) -> Path:
        return self.folder / "data" / "kulturlots.db"

    def write_config(self) -> Path:
        config = self.folder / "config.yaml"
        rate = f"  messages_per_second: {self.per_second}\n" if self.per_second is not None else ""
        config.write_text(
            f"telegram:\n  base_url: {self.base_url}\n  base_file_url: {self.base_file_url}\n  poll_timeout: 1\n{rate}"
            f"storage:\n  url: sqlite:///{self.database}\n"
            f"staff:\n  group_chat_id: {GROUP}\n  user_ids: [{STAFF}]\n  topics: true\n"
            f"flood:\n  messages_per_minute: {self.messages_per_minute}\n  tickets_per_day: {self.tickets_per_day}\n",
            encoding="utf-8")
        return config


@dataclass
class BotProcess:
    """One bot, across restarts: how often it started, was killed, exited by itself; its peak memory (VmHWM)."""

    setup: BotSetup
    command: tuple[str, ...] = ()
    entry: tuple[str, ...] = ("-m", "bot")  # what runs Kulturlots (benchmarks/soak_floor.py: a variant of it)
    starts: list[float] = field(default_factory=list)  # monotonic times of each start
    kills: int = 0
    exits: list[int] = field(default_factory=list)  # return codes of exits nobody asked for
    peak_kib: int = 0
    process: asyncio.subprocess.Process | None = None
    _sampler: asyncio.Task[None] | None = None

    @property
    def log(self) -> Path:
        return self.setup.folder / "stderr.log"

    async def start(self) -> None:
        """Start the process; stderr is appended to the log across restarts."""
        self.setup.folder.mkdir(parents=True, exist_ok=True)
        command = self.command or (sys.executable, *self.entry, "--config", str(self.setup.write_config()), "run")
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": self.setup.token, "KULTURLOTS_SECRET": "soak",
               "PYTHONPATH": str(ROOT)}
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(*command, env=env, cwd=ROOT, stderr=log,
                                                                stdout=asyncio.subprocess.DEVNULL)
        self.starts.append(time.monotonic())
        self._sampler = asyncio.create_task(self._sample(self.process))

    async def _sample(self, process: asyncio.subprocess.Process) -> None:
        """Read the high-water mark of resident memory while the process lives; note an exit nobody asked for."""
        status = Path(f"/proc/{process.pid}/status")
        while process.returncode is None:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_kib = max(self.peak_kib, int(line.split()[1]))
            except (OSError, ValueError):
                pass
            try:
                await asyncio.wait_for(process.wait(), timeout=0.2)
            except TimeoutError:
                continue

    async def kill(self) -> None:
        """SIGKILL: no cleanup, whatever was in flight stays as it was."""
        process = self._stop_watching()
        if process is not None and process.returncode is None:
            process.kill()
            self.kills += 1
        if process is not None:
            await process.wait()

    async def stop(self) -> None:
        """SIGTERM and wait, as an operator stops it; an exit before that is counted."""
        process = self._stop_watching()
        if process is None:
            return
        if process.returncode is not None:
            self.exits.append(process.returncode)
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=30)
        except TimeoutError:
            process.kill()
            await process.wait()
            self.exits.append(-9)

    def _stop_watching(self) -> asyncio.subprocess.Process | None:
        if self._sampler is not None:
            self._sampler.cancel()
        process, self.process = self.process, None
        if process is not None and process.returncode is not None:
            self.exits.append(process.returncode)
        return process

    def tracebacks(self) -> int:
        return self.log.read_text(encoding="utf-8", errors="replace").count("Traceback") if self.log.exists() else 0

    def in_doubt(self) -> int:
        """Sends the bot counted at its restarts as under way at the kill (Telegram may show them twice)."""
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return sum(int(count) for count in re.findall(r"(\d+) send\(s\) were under way at the kill", text))


def needs_by_text(database: Path) -> list[str]:
    """The texts of the needs logged (read with sqlite3 alone: the harness trusts no code of the bot's)."""
    if not database.exists():
        return []
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT text FROM need")]


def count_rows(database: Path, table: str, where: str = "1=1") -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0])
