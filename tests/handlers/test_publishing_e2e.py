"""Publishing the base from the staff group, end to end: /kb, an edited file sent back, Publish, /kb undo."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.config import KnowledgeSettings, Settings, StaffSettings, TelegramSettings
from bot.matching.language_data import LanguageData
from bot.services import Services, build_services, load_knowledge_for
from bot.storage.database import open_database
from handlers.application import build_application, running
from tests.emulator import BotApiEmulator

KB = Path(__file__).parents[1] / "data" / "kb"
GROUP = -1001000000001
STAFF, OUTSIDER, USER = 900, 901, 501
QUESTION = "Finns det statliga bidrag för att sätta upp en ny dansföreställning?"
ENTRY = "kulturradet-fri-scenkonst-projekt"
OLD = "Professionella fria teater-, dans- och cirkusgrupper"
NEW = "Nytt: Kulturrådet tar emot ansökningar om turnébidrag till 1 oktober 2027."

Start = Callable[[], AbstractAsyncContextManager[Services]]


@pytest.fixture
def start(emulator: BotApiEmulator, tmp_path: Path, language_data: LanguageData) -> Start:
    """The bot on a copy of the reference base, with a staff group (topics on) and one listed staff member."""
    shutil.copytree(KB, tmp_path / "kb")
    engine = open_database(f"sqlite:///{tmp_path / 'bot.db'}")
    settings = Settings(root=tmp_path, knowledge=KnowledgeSettings(path=tmp_path / "kb"),
                        telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings(group_chat_id=GROUP, user_ids=(STAFF,), group_members_are_staff=False))

    @asynccontextmanager
    async def run() -> AsyncIterator[Services]:
        emulator.group(GROUP)
        services = build_services(settings, engine=engine, secret=b"t",
                                  knowledge=load_knowledge_for(settings, language_data),
                                  clock=lambda: datetime(2027, 3, 10, 9, 30, tzinfo=UTC))
        application = build_application(settings, token=emulator.token, services=services)
        async with running(application, poll_timeout=1, outbox_idle=0.05, outbox_backoff=0.05):
            yield services

    return run


def in_group(emulator: BotApiEmulator, needle: str) -> list[dict[str, Any]]:
    return [m for m in emulator.messages_to(GROUP) if needle in m.get("text", m.get("caption", ""))]


async def exported(emulator: BotApiEmulator) -> bytes:
    """Staff send /kb; the spreadsheet the bot posts, as the staff member's app downloads it."""
    await emulator.user(STAFF, first_name="Sara").send_in(emulator.chats[GROUP], "/kb")
    message = await emulator.wait_for(lambda: next((m for m in emulator.messages_to(GROUP) if "document" in m), None))
    assert message["document"]["file_name"].endswith(".xlsx")
    return emulator.files[message["document"]["file_id"]]


def edited(workbook: bytes, edit: Callable[[Any], None]) -> bytes:
    """The spreadsheet after a curator's edit in Excel (openpyxl stands in for Excel)."""
    book = load_workbook(io.BytesIO(workbook))
    edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def set_cell(book: Any, sheet: str, entry_id: str, column: str, value: object) -> None:
    rows = list(book[sheet].iter_rows())
    col = [c.value for c in rows[0]].index(column)
    next(r for r in rows if r[0].value == entry_id)[col].value = value


async def answer_to(emulator: BotApiEmulator, user_id: int, question: str) -> str:
    user = emulator.user(user_id, language_code="sv")
    user.skip_read()
    await user.send(question)
    return str((await user.next_message())["text"])


async def test_staff_publish_an_edited_spreadsheet_and_undo_it(emulator: BotApiEmulator, start: Start,
                                                              tmp_path: Path) -> None:
    async with start() as services:
        assert OLD in await answer_to(emulator, USER, QUESTION)
        sheet = edited(await exported(emulator), lambda book: set_cell(book, "funding", ENTRY, "summary.sv", NEW))
        staff = emulator.user(STAFF, first_name="Sara")
        await staff.send_document_in(emulator.chats[GROUP], "kb-2027-03-10.xlsx", sheet)
        summary = (await emulator.wait_for(lambda: in_group(emulator, "1 changed")))[0]
        assert f"~ Kulturrådet: projektbidrag till fri scenkonst ({ENTRY}): summary" in summary["text"]
        assert OLD in await answer_to(emulator, USER, QUESTION)  # nothing changes before Publish
        await staff.press(summary, label="Publish")
        await emulator.wait_for(lambda: in_group(emulator, "Published kb-2027-03-10.xlsx"))
        assert NEW in await answer_to(emulator, USER, QUESTION)
        assert NEW in (tmp_path / "kb" / "funding.yaml").read_text(encoding="utf-8")
        kept = sorted((tmp_path / "kb" / ".history").iterdir())
        assert [p.name for p in kept] == ["0001-2027-03-10T09-30-00Z"]
        note = json.loads((kept[0] / "publication.json").read_text(encoding="utf-8"))
        assert note["published_by"] == "Sara" and note["file"] == "kb-2027-03-10.xlsx"
        assert (kept[0] / "funding.yaml").read_bytes() == (KB / "funding.yaml").read_bytes()
        await staff.send_in(emulator.chats[GROUP], "/kb undo")
        await emulator.wait_for(lambda: in_group(emulator, "The version from before 2027-03-10 09:30 UTC is back"))
        assert OLD in await answer_to(emulator, USER, QUESTION)
        assert (tmp_path / "kb" / "funding.yaml").read_bytes() == (KB / "funding.yaml").read_bytes()
        assert services.knowledge.kb.by_id[ENTRY].summary is not None


async def test_a_spreadsheet_with_errors_publishes_nothing(emulator: BotApiEmulator, start: Start,
                                                           tmp_path: Path) -> None:
    async with start():
        def damage(book: Any) -> None:
            set_cell(book, "funding", ENTRY, "deadline", "15 septembre")
            set_cell(book, "funding", "kulturradet-fri-scenkonst-verksamhet", "id", ENTRY)

        sheet = edited(await exported(emulator), damage)
        await emulator.user(STAFF).send_document_in(emulator.chats[GROUP], "base.xlsx", sheet)
        report = (await emulator.wait_for(lambda: in_group(emulator, "errors; nothing is published")))[0]
        assert "sheet 'funding'" in report["text"] and "column" in report["text"] and "reply_markup" not in report
        assert not (tmp_path / "kb" / ".staged").exists() and not (tmp_path / "kb" / ".history").exists()
        assert (tmp_path / "kb" / "funding.yaml").read_bytes() == (KB / "funding.yaml").read_bytes()


async def test_cancel_keeps_the_base_and_outsiders_cannot_publish(emulator: BotApiEmulator, start: Start,
                                                                  tmp_path: Path) -> None:
    async with start():
        emulator.chats[GROUP].members[OUTSIDER] = "member"
        yaml_file = (b"kind: faq\nentries:\n  - id: ny-fraga\n    title: \"Hur bokar man repetitionslokal?\"\n"
                     b"    answer: \"Boka via kulturhuset.\"\n")
        await emulator.user(STAFF).send_document_in(emulator.chats[GROUP], "ny.yaml", yaml_file)
        summary = (await emulator.wait_for(lambda: in_group(emulator, "1 added")))[0]
        assert "+ Hur bokar man repetitionslokal? (ny-fraga)" in summary["text"]
        await emulator.user(OUTSIDER).press(summary, label="Publish")
        await emulator.wait_for(lambda: len(emulator.answered_callbacks) == 1)
        assert not in_group(emulator, "Published") and emulator.answered_callbacks[0].get("text") == (
            "This command is for staff.")
        await emulator.user(STAFF).press(summary, label="Cancel")
        await emulator.wait_for(lambda: in_group(emulator, "Cancelled"))
        assert "ny-fraga" not in "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "kb").glob("*.yaml"))


async def test_a_faq_from_a_ticket_loses_the_letter_and_is_published_with_the_users_question(
        emulator: BotApiEmulator, start: Start, tmp_path: Path) -> None:
    async with start():
        staff = emulator.user(STAFF, first_name="Eva")
        user = emulator.user(505, language_code="da", first_name="Mette")
        await user.send("/human Hej! Kan vores musikskole søge penge til talentudvikling af unge musikere?")
        card = (await emulator.wait_for(lambda: in_group(emulator, "Question:")))[0]
        thread = card["message_thread_id"]
        await staff.send_in(emulator.chats[GROUP], "Hej Mette!\n\nJa: Talentpuljen hos Statens Kunstfond støtter "
                            "musikskolers talentforløb. Ansøgningsfristen er 1. september.\n\nMvh Eva", thread_id=thread)
        await staff.send_in(emulator.chats[GROUP], "/faq", thread_id=thread)
        draft = await emulator.wait_for(lambda: next((m for m in emulator.messages_to(GROUP, thread_id=thread)
                                                      if "document" in m), None))
        text = emulator.files[draft["document"]["file_id"]].decode()
        assert "Talentpuljen hos Statens Kunstfond" in text and "id: faq-musikskole-soge-penge-talentudvikling" in text
        assert not any(word in text for word in ("Hej", "Mette", "Mvh", "Eva")), text
        assert "How would users ask this?" in draft["caption"]
        await staff.send_in(emulator.chats[GROUP], "/faq Hvor søger en musikskole penge til talentarbejde?",
                            thread_id=thread)
        summary = (await emulator.wait_for(lambda: in_group(emulator, "1 added")))[0]
        assert "+ Hvor søger en musikskole penge til talentarbejde? (faq-soger-musikskole-penge-talentarbejde)" in (
            summary["text"])
        await staff.press(summary, label="Publish")
        await emulator.wait_for(lambda: in_group(emulator, "Published faq-ticket-1.yaml"))
        reply = await answer_to(emulator, 506, "Hvor søger en musikskole penge til talentarbejde?")
        assert "Talentpuljen hos Statens Kunstfond" in reply and "Mette" not in reply
        assert "faq-soger-musikskole-penge-talentarbejde" in (tmp_path / "kb" / "faq.yaml").read_text(encoding="utf-8")
