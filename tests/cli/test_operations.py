"""`python -m bot doctor` against the Bot API emulator and a real database: exit 0 when all is well, and each
problem named with its fix."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command

from bot.cli import main
from bot.storage import schema
from bot.storage.database import make_engine, session_scope
from bot.storage.quarantine import set_aside
from bot.storage.tables import utcnow
from tests.conftest import WriteKb
from tests.databases import url_for
from tests.emulator import BotApiEmulator
from tests.emulator_webhook import Hook

GROUP = -1001000000042


def configure(path: Path, emulator: BotApiEmulator, *, url: str, extra: str = "") -> Path:
    """A config on the emulator, the database at `url`, the staff group GROUP."""
    path.write_text(f"telegram:\n  base_url: {emulator.base_url}\n  base_file_url: {emulator.base_file_url}\n"
                    f"storage:\n  url: '{url}'\nstaff:\n  group_chat_id: {GROUP}\n{extra}", encoding="utf-8")
    return path


@pytest.fixture
def healthy(emulator: BotApiEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A set-up as the README asks for: a token, a secret, a migrated database, a forum staff group, the bot its admin."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", emulator.token)
    monkeypatch.setenv("KULTURLOTS_SECRET", "doctor-test-secret")
    emulator.group(GROUP, is_forum=True)
    return configure(tmp_path / "config.yaml", emulator, url=url_for(tmp_path / "bot.db"))


async def doctor(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run `doctor` as the command line does (in a thread: it runs its own event loop); its code and lines."""
    code = await asyncio.to_thread(main, ["--config", str(config), "doctor"])
    return code, capsys.readouterr().out.splitlines()


def line(lines: list[str], name: str) -> str:
    """The line of one check."""
    found = [text for text in lines if text[9:21].rstrip() == name]
    assert len(found) == 1, lines
    return found[0]


async def test_a_healthy_set_up_passes_every_check(healthy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = await doctor(healthy, capsys)
    assert code == 0, lines
    names = ("config", "token set", "secret", "database", "schema", "quarantine", "knowledge", "token", "staff group",
             "webhook")
    assert [line(lines, name).split()[0] for name in names] == ["ok"] * len(names)
    assert "@kulturlots_bot" in line(lines, "token")
    assert lines[-1] == "all checks passed"


async def test_a_wrong_token_is_named(healthy: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:WRONG")
    code, lines = await doctor(healthy, capsys)
    assert code == 1
    assert line(lines, "token").startswith("problem") and "refused the token" in line(lines, "token")
    assert "@BotFather" in line(lines, "token")
    assert line(lines, "staff group").startswith("skipped")


async def test_an_unreachable_database_is_named(healthy: Path, emulator: BotApiEmulator, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    configure(healthy, emulator, url="postgresql+psycopg://kulturlots:pw-not-shown@127.0.0.1:9/kulturlots")
    code, lines = await doctor(healthy, capsys)
    assert code == 1
    assert line(lines, "database").startswith("problem") and "cannot reach" in line(lines, "database")
    assert "pw-not-shown" not in "\n".join(lines)
    assert line(lines, "schema").startswith("skipped")
    assert line(lines, "token").startswith("ok")  # the other checks still run


async def test_a_schema_behind_is_named_with_the_upgrade_command(healthy: Path, emulator: BotApiEmulator,
                                                                 tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    url = url_for(tmp_path / "old.db")
    engine = make_engine(url)
    with engine.begin() as connection:
        command.downgrade(schema.alembic_config(connection), "0002")
    engine.dispose()
    configure(healthy, emulator, url=url)
    code, lines = await doctor(healthy, capsys)
    assert code == 1
    assert line(lines, "schema").startswith("problem")
    assert "0002" in line(lines, "schema") and "python -m bot db upgrade" in line(lines, "schema")


async def test_a_broken_knowledge_base_is_named_with_its_errors(healthy: Path, emulator: BotApiEmulator,
                                                                tmp_path: Path, write_kb: WriteKb,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    broken = write_kb(tmp_path / "kb", {"funding.yaml": """\
        kind: funding
        entries:
          - id: no-title
            summary: "An entry without its title."
        """})
    configure(healthy, emulator, url=url_for(tmp_path / "bot.db"), extra=f"knowledge:\n  path: '{broken}'\n")
    code, lines = await doctor(healthy, capsys)
    assert code == 1
    assert line(lines, "knowledge").startswith("problem") and "kb check" in line(lines, "knowledge")
    assert any("funding.yaml" in text and "title" in text for text in lines)


async def test_a_staff_group_without_topics_is_named(healthy: Path, emulator: BotApiEmulator,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    emulator.group(GROUP, is_forum=False)
    code, lines = await doctor(healthy, capsys)
    assert code == 1
    assert line(lines, "staff group").startswith("problem")
    assert "topics are not enabled" in line(lines, "staff group") and "Topics" in line(lines, "staff group")


async def test_a_bot_that_may_not_manage_topics_is_named(healthy: Path, emulator: BotApiEmulator,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    emulator.chats[GROUP].rights[emulator.bot_id] = {"can_manage_topics": False}
    code, lines = await doctor(healthy, capsys)
    assert code == 1
    assert "may not manage topics" in line(lines, "staff group")


async def test_a_webhook_telegram_cannot_reach_is_named(healthy: Path, emulator: BotApiEmulator,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    emulator.hook = Hook(url="https://bot.example.org/telegram")  # set, and no server behind it answering
    emulator.outgoing.last_error_date, emulator.outgoing.last_error_message = int(time.time()) - 60, "Connection refused"
    emulator.user(5).chat  # noqa: B018  (a chat, so the update below is a real one)
    await emulator.user(5).send("hej")
    code, lines = await doctor(healthy, capsys)
    assert code == 1
    webhook = line(lines, "webhook")
    assert webhook.startswith("problem") and "Connection refused" in webhook and "1 update(s) waiting" in webhook


async def test_updates_set_aside_today_are_listed_with_their_errors(healthy: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(url_for(tmp_path / "bot.db"))
    with session_scope(engine) as session:
        set_aside(session, update_id=77, reason="failed", payload={"message": {}}, error="ValueError('boom')",
                  attempts=3).set_aside_at = utcnow() - timedelta(hours=2)
    engine.dispose()
    code, lines = await doctor(healthy, capsys)
    assert code == 1
    assert line(lines, "quarantine").startswith("problem") and "1 update(s) set aside" in line(lines, "quarantine")
    assert any("update 77 (message, failed): ValueError('boom')" in text for text in lines)
