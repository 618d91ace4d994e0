"""Versioned schema: the migrations build exactly the models, a database behind is refused until `db upgrade`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from bot.cli import EXIT_FAILED, EXIT_OK, main
from bot.storage.database import make_engine, open_database, session_scope
from bot.storage.schema import FIRST, HEAD, SchemaBehind, alembic_config, revision, script_head
from bot.storage.tables import Actor
from tests.databases import url_for


def predating(url: str) -> Engine:
    """A database whose tables were made before migrations existed (create_all, no version), holding one actor."""
    engine = make_engine(url)
    with engine.begin() as connection:  # the tables of the release before migrations, without a version
        command.downgrade(alembic_config(connection), "base")
        command.upgrade(alembic_config(connection), FIRST)
        connection.execute(text("DROP TABLE alembic_version"))
    with session_scope(engine) as session:
        session.add(Actor(key="k" * 32, language="sv"))
    return engine


def config_for(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  url: {url}\n", encoding="utf-8")
    return config


def test_the_head_the_code_checks_is_the_newest_migration() -> None:
    assert script_head() == HEAD


def test_the_migrations_build_exactly_the_tables_of_the_models(tmp_path: Path) -> None:
    engine = make_engine(url_for(tmp_path / "s.db"))
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                SQLModel.metadata) == []
    assert revision(engine) == HEAD


def test_a_database_behind_is_refused_until_db_upgrade_which_keeps_its_rows(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = url_for(tmp_path / "old.db")
    predating(url).dispose()
    with pytest.raises(SchemaBehind, match="python -m bot db upgrade"):
        open_database(url)
    config = str(config_for(tmp_path, url))
    assert main(["--config", config, "db", "status"]) == EXIT_FAILED
    assert main(["--config", config, "db", "upgrade"]) == EXIT_OK
    assert f"to {HEAD}" in capsys.readouterr().out
    assert main(["--config", config, "db", "status"]) == EXIT_OK
    engine = open_database(url)
    with session_scope(engine) as session:
        assert [a.language for a in session.exec(select(Actor)).all()] == ["sv"]
    assert main(["--config", config, "db", "upgrade"]) == EXIT_OK
    assert "up to date" in capsys.readouterr().out


def run_bot(config: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "KULTURLOTS_SECRET"} | {"TELEGRAM_BOT_TOKEN": "1:x"} | env
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "run"], env=environ,
                          capture_output=True, text=True, timeout=60, check=False)


def test_run_refuses_a_schema_behind_and_says_which_command_to_run(tmp_path: Path) -> None:
    url = url_for(tmp_path / "old.db")
    predating(url).dispose()
    done = run_bot(config_for(tmp_path, url), KULTURLOTS_SECRET="s")
    assert done.returncode == EXIT_FAILED
    assert "python -m bot db upgrade" in done.stderr and "Traceback" not in done.stderr


def test_with_a_database_server_run_stops_without_a_shared_secret(tmp_path: Path) -> None:
    done = run_bot(config_for(tmp_path, "postgresql+psycopg://kl:pw@127.0.0.1:9/kl"))
    assert done.returncode == EXIT_FAILED
    assert "KULTURLOTS_SECRET is not set" in done.stderr and "Traceback" not in done.stderr


def test_an_unreachable_database_is_one_line_without_its_password(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    config = str(config_for(tmp_path, "postgresql+psycopg://kl:topsecret@127.0.0.1:9/kl"))
    assert main(["--config", config, "db", "status"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("error: the database cannot be used:") and err.count("\n") == 1
    assert "topsecret" not in err
