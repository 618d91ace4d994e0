"""/mydata and /forget in Telegram: the person sees what is kept, then nothing in any table points at them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from bot.config import Settings, StaffSettings, TelegramSettings
from bot.insights.export import export_needs
from bot.services import Knowledge, Services, build_services
from bot.storage.database import open_database
from handlers.application import build_application, running
from tests.databases import url_for
from tests.emulator import BotApiEmulator
from tests.pacing import UNPACED

GROUP, USER = -1001000000001, 4242
QUESTIONS = ("vem är kulturutvecklare i flen", "vad blir det för väder i nyköping på lördag")


@pytest.fixture
async def bot(emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> AsyncIterator[Services]:
    emulator.group(GROUP)
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings(group_chat_id=GROUP, user_ids=(900,)))
    services = build_services(settings, engine=open_database(url_for(tmp_path / "bot.db")), secret=b"privacy",
                              knowledge=reference_knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    application = build_application(settings, token=emulator.token, services=services)
    async with running(application, poll_timeout=1, outbox_idle=0.05, outbox_backoff=0.05, limits=UNPACED):
        yield services


def every_cell(services: Services) -> str:
    """Every value of every row of every table, as one text to search."""
    metadata = MetaData()
    metadata.reflect(services.engine)
    with services.engine.connect() as connection:
        return "\n".join(repr(tuple(row)) for table in metadata.sorted_tables
                         for row in connection.execute(select(table)))


async def my_data(emulator: BotApiEmulator, user_id: int) -> dict[str, object]:
    user = emulator.user(user_id, language_code="sv")
    await user.send("/mydata")
    await emulator.wait_for(lambda: any(d["chat_id"] == user_id for d in emulator.documents), timeout=15)
    document = [d for d in emulator.documents if d["chat_id"] == user_id][-1]
    emulator.documents.remove(document)
    assert document["filename"] == "kulturlots-my-data.json"
    return dict(json.loads(document["content"]))


async def test_mydata_shows_it_forget_asks_then_erases_every_trace_and_counts_stay(
        emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(USER, first_name="Ingrid", language_code="sv")
    for question in QUESTIONS:  # the second to a person: off-topic opens no ticket without the user's yes
        await user.send(question if question == QUESTIONS[0] else f"/human {question}")
        await user.next_message(timeout=15)
    await emulator.wait_for(lambda: emulator.messages_to(GROUP), timeout=15)  # the ticket reached staff
    before = await my_data(emulator, USER)
    shown = [m["text"] for m in user.messages if m.get("text", "").startswith("Det här sparar jag om dig")]
    assert shown and "2 frågor" in shown[-1] and QUESTIONS[0] in shown[-1]
    assert [q["text"] for q in before["questions"]] == list(QUESTIONS)  # type: ignore[index]
    assert len(before["tickets"]) == 1  # type: ignore[arg-type]
    user.skip_read()
    await user.send("/forget")
    asked = await user.next_message(timeout=15)
    await user.press(asked, "fg:yes")
    await emulator.wait_for(lambda: asked["text"].startswith("Klart: jag har raderat dina 2 frågor"), timeout=15)
    assert asked.get("reply_markup") is None  # the question is answered in place, its buttons gone
    await emulator.wait_for(lambda: "'pending'" not in every_cell(bot))  # the answer's row settled: no chat id kept
    cells = every_cell(bot)
    for trace in (str(USER), "Ingrid", bot.user_key(USER), *QUESTIONS):
        assert trace not in cells, trace
    after = await my_data(emulator, USER)
    assert after["questions"] == [] and after["tickets"] == []
    exported = json.loads(export_needs(bot.engine, None, fmt="json"))  # type: ignore[arg-type]
    assert len(exported) == 2 + 0  # /mydata and /forget are commands, not needs: the two questions still count
