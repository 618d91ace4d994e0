"""The database each test gets: a SQLite file by default, or a fresh PostgreSQL database on the server named by
$KULTURLOTS_TEST_DATABASE_URL (.ci/run runs the whole suite both ways).

`url_for(path)` maps a test's file path to its database: the same path gives the same database (two engines on
one database see each other's commits), another path a fresh one, copied from a migrated template so no test
pays for the migrations."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.storage.database import make_engine
from bot.storage.schema import HEAD, upgrade

SERVER_ENV = "KULTURLOTS_TEST_DATABASE_URL"
PREFIX = f"kl_t{os.getpid()}_"


def server_url() -> str | None:
    """The PostgreSQL server the suite runs on, or None for SQLite files."""
    return os.environ.get(SERVER_ENV) or None


def url_for(path: Path) -> str:
    """The database URL for a test's database file `path`, created at the current schema."""
    server = server_url()
    if server is None:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_sqlite_template(), path)
        return f"sqlite:///{path}"
    name = PREFIX + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:20]
    with _admin(server) as admin:
        if not admin.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            admin.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template(server, admin)}"'))
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _sqlite_template() -> Path:
    template = Path(tempfile.gettempdir()) / f"kulturlots-test-{os.getpid()}-{HEAD}.db"
    if not template.exists():
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
    return template


def _pg_template(server: str, admin: sa.Connection) -> str:
    name = PREFIX + "template_" + HEAD
    if not admin.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
        admin.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(make_url(server).set(database=name).render_as_string(hide_password=False))
        upgrade(engine)
        engine.dispose()
    return name


class _admin:
    """An autocommit connection to the server's maintenance database (CREATE DATABASE runs outside transactions)."""

    def __init__(self, server: str) -> None:
        self.engine = sa.create_engine(server, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")

    def __enter__(self) -> sa.Connection:
        self.connection = self.engine.connect()
        return self.connection

    def __exit__(self, *_exc: object) -> None:
        self.connection.close()
        self.engine.dispose()


def drop_all() -> None:
    """Drop the databases (or the template file) this test run created."""
    server = server_url()
    if server is None:
        Path(tempfile.gettempdir(), f"kulturlots-test-{os.getpid()}-{HEAD}.db").unlink(missing_ok=True)
        return
    with _admin(server) as admin:
        names = admin.execute(sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                              {"p": PREFIX + "%"}).scalars().all()
        for name in sorted(names, key=lambda n: "template" in n):  # copies before their template
            admin.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
