"""Schema versions: Alembic migrations from SQLModel's metadata, applied by `db upgrade`, checked before `run`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "0005"  # the newest migration; tests/storage/test_schema.py holds it to Alembic's own head
FIRST = "0001"  # the tables as they were before migrations existed (create_all)
UPGRADE_HINT = "python -m bot db upgrade"


class SchemaBehind(Exception):
    """The database is not at the code's schema version; the message says which command to run."""


@dataclass(frozen=True, slots=True)
class Upgrade:
    """What `db upgrade` did: from which revision (None: an empty database) to which."""

    before: str | None
    after: str


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's config in code: the package's scripts, run on our own connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def script_head() -> str | None:
    """The head revision as Alembic reads it from the scripts."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def revision(engine: Engine) -> str | None:
    """The database's revision; None where no migration was ever applied."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> Upgrade:
    """Apply every migration not yet applied; tables made before migrations existed are taken as the first one."""
    with engine.begin() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        config = alembic_config(connection)
        if before is None and inspect(connection).has_table("need"):
            command.stamp(config, FIRST)
        command.upgrade(config, "head")
    return Upgrade(before=before, after=HEAD)


def require_current(engine: Engine) -> None:
    """Refuse a database whose schema is behind (or ahead of) this code, naming the command that mends it."""
    current = revision(engine)
    if current == HEAD:
        return
    if current is None and is_empty(engine):
        raise SchemaBehind(f"the database has no Kulturlots schema yet: run `{UPGRADE_HINT}`")
    if current is None:
        raise SchemaBehind(f"the database's tables predate versioned migrations: run `{UPGRADE_HINT}`")
    raise SchemaBehind(f"the database schema is at {current}, this version needs {HEAD}: run `{UPGRADE_HINT}`"
                       " (or run the newer Kulturlots the database was upgraded by)")


def is_empty(engine: Engine) -> bool:
    """No tables at all: a new database, safe to create."""
    return not inspect(engine).get_table_names()
