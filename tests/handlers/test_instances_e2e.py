"""Two webhook instances on one PostgreSQL share the work exactly once: each update handled once, each staff card
posted once, each user's answers in the order of their messages (the full form: benchmarks/instances.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings, StaffSettings, TelegramSettings
from bot.desk.limits import Limits
from bot.services import Knowledge, build_services
from bot.storage.database import open_database
from handlers.application import build_application, running
from handlers.webhook import Webhook
from tests.databases import server_url, url_for
from tests.emulator import BotApiEmulator
from tests.instances import GROUP, PUBLIC, STAFF, Load, answered, cards_posted, outcome, write

pytestmark = pytest.mark.skipif(server_url() is None, reason="several instances need a database server: SQLite is "
                                "one process on one file (.ci/run runs this on PostgreSQL)")
SECRET = "instances-secret"


@asynccontextmanager
async def instances(emulator: BotApiEmulator, url: str, knowledge: Knowledge, count: int = 2) -> AsyncIterator[None]:
    """`count` real Applications on one database, each with its own webhook server, the emulator's proxy in front."""
    emulator.group(GROUP).members[STAFF] = "administrator"
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings(group_chat_id=GROUP, user_ids=(STAFF,)))
    origins = []
    async with AsyncExitStack() as stack:
        for _ in range(count):
            services = build_services(settings, engine=open_database(url), secret=b"instances", knowledge=knowledge,
                                      clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
            intake = await stack.enter_async_context(running(
                build_application(settings, token=emulator.token, services=services), poll_timeout=1,
                outbox_idle=0.05, limits=Limits(per_group_minute=6000), webhook=Webhook(url=PUBLIC, secret=SECRET, port=0)))
            assert intake.server is not None
            origins.append(f"http://127.0.0.1:{intake.server.port}")
        emulator.behind_proxy(*origins)
        yield


async def test_two_instances_handle_each_update_once_and_each_chat_in_order(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    url = url_for(tmp_path / "shared.db")
    load = Load(users=30, per_user=6, repeat=0.1, human_every=10)
    async with instances(emulator, url, reference_knowledge):
        sent = await write(emulator, load)
        await emulator.wait_for(lambda: answered(emulator, sent), timeout=120)
        await emulator.wait_for(lambda: cards_posted(emulator) >= sent.humans, timeout=30)
        await emulator.idle(timeout=30)
    result = outcome(emulator, open_database(url), sent)
    assert result.problems == []
    assert result.repeated >= 5  # about a tenth of 180 updates really reached an instance twice
    instances_used = {origin.split("/telegram")[0] for _, origin, status in emulator.outgoing.posted if status == 200}
    assert len(instances_used) == 2
