"""Shared fixtures: the project's own copy of the reference base and dev set, and small throwaway bases."""

from __future__ import annotations

import os
import textwrap
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

import pytest
from sqlalchemy import Connection, Engine, event

from bot.config import Settings
from bot.knowledge.entries import KnowledgeBase
from bot.knowledge.loader import load_knowledge
from bot.matching.evaluation import Report, evaluate, load_labelled
from bot.matching.index import Index, build_index
from bot.matching.language_data import LanguageData, load_language_data
from bot.matching.matcher import Matcher
from bot.services import Knowledge, load_knowledge_for
from tests.databases import drop_all
from tests.emulator import BotApiEmulator

os.environ.setdefault("PTB_TIMEDELTA", "true")  # python-telegram-bot's timedelta periods, without warnings

DATA = Path(__file__).parent / "data"
KB_DIR = DATA / "kb"
DEV_SET = DATA / "eval" / "dev.yaml"

WriteKb = Callable[[Path, Mapping[str, str]], Path]

TWO_ENTRY_BASE = {"funding.yaml": textwrap.dedent("""\
    kind: funding
    entries:
      - id: theatre-touring-grant
        title: "Theatre touring grant"
        summary: "Money for independent theatre groups that tour."
        keywords: [theatre, touring]
        questions:
          - "Theatre touring grant"
      - id: choir-festival-fund
        title: "Choir festival fund"
        summary: "Support for amateur choirs that organise a festival."
        keywords: [choir, singing, festival]
        questions:
          - "Choir festival fund"
""")}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-transcripts", action="store_true",
                     help="rewrite docs/transcripts/ from the end-to-end journeys instead of comparing with them")


@pytest.fixture
def update_transcripts(request: pytest.FixtureRequest) -> bool:
    """Whether the journeys rewrite docs/transcripts/ (--update-transcripts) or compare with it."""
    return bool(request.config.getoption("--update-transcripts"))


@pytest.fixture(scope="session", autouse=True)
def test_databases() -> Iterator[None]:
    """The databases tests create (tests/databases.py) are dropped when the run ends."""
    yield
    drop_all()


@pytest.fixture(autouse=True)
def engines_closed() -> Iterator[None]:
    """Every engine a test used gives back its connections when the test ends (PostgreSQL's would linger)."""
    used: weakref.WeakSet[Engine] = weakref.WeakSet()

    def seen(connection: Connection) -> None:
        used.add(connection.engine)

    event.listen(Engine, "engine_connect", seen)
    yield
    event.remove(Engine, "engine_connect", seen)
    for engine in list(used):
        engine.dispose()


@pytest.fixture
def kb_dir() -> Path:
    """The reference base (126 entries), copied into the project so tests never read ../shared."""
    return KB_DIR


@pytest.fixture
def dev_set() -> Path:
    """The labelled dev questions, for evaluation tests only."""
    return DEV_SET


@pytest.fixture(scope="session")
def two_entry_base() -> Mapping[str, str]:
    """Two entries with nothing in common, each asked by its own title: both land in any sound matcher."""
    return MappingProxyType(TWO_ENTRY_BASE)


@pytest.fixture(scope="session")
def reference_kb() -> KnowledgeBase:
    """The reference base loaded once, since many tests only read it."""
    return load_knowledge(KB_DIR)


def write_files(root: Path, files: Mapping[str, str]) -> Path:
    """Write {relative name: YAML text} under `root`, dedented so tests can indent their YAML; return `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def write_kb() -> WriteKb:
    """A helper that writes a small base, so error tests state exactly the YAML they check (line 1 = first line)."""
    return write_files


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A local Bot API server on 127.0.0.1 with a random port, for the real PTB to talk to; a test fails if the bot
    made a call the Bot API refuses that the test did not provoke on purpose (see BotApiEmulator.tolerate)."""
    emu = await BotApiEmulator().start()
    try:
        yield emu
    finally:
        await emu.stop()
    assert emu.unexpected_refusals() == [], "the bot made calls the Bot API refuses"


@pytest.fixture(scope="session")
def language_data() -> LanguageData:
    """The shipped lexicon and gazetteer, read once for the whole run as the composition root does."""
    return load_language_data()


@pytest.fixture(scope="session")
def index_of(language_data: LanguageData) -> Callable[[KnowledgeBase], Index]:
    """Builds an index over a base with the shared language data."""
    return lambda kb: build_index(kb, language=language_data)


@pytest.fixture(scope="session")
def matcher_of(index_of: Callable[[KnowledgeBase], Index]) -> Callable[[Path], Matcher]:
    """A matcher with the default settings over the base in a folder."""
    return lambda root: Matcher(index_of(load_knowledge(root)))


@pytest.fixture(scope="session")
def reference_knowledge(language_data: LanguageData) -> Knowledge:
    """The reference base indexed once, with the default matching settings."""
    return load_knowledge_for(Settings(), language_data, KB_DIR)


@pytest.fixture(scope="session")
def report_of(reference_knowledge: Knowledge) -> Callable[[str], Report]:
    """A labelled set in tests/data/eval scored by the reference matcher, once per session whichever tests ask."""
    reports: dict[str, Report] = {}

    def report(name: str) -> Report:
        if name not in reports:
            reports[name] = evaluate(reference_knowledge.matcher, load_labelled(DATA / "eval" / name))
        return reports[name]
    return report
