"""Shared fixtures: the project's own copy of the reference base and dev set, and small throwaway bases."""

from __future__ import annotations

import os
import textwrap
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from types import MappingProxyType

import pytest

from bot.config import Settings
from bot.knowledge.entries import KnowledgeBase
from bot.knowledge.loader import load_knowledge
from bot.services import Knowledge, load_knowledge_for
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
def reference_knowledge() -> Knowledge:
    """The reference base indexed once, with the default matching settings."""
    return load_knowledge_for(Settings(), KB_DIR)
