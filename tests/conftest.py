"""Shared fixtures: the project's own copy of the reference base and dev set, and small throwaway bases."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge

DATA = Path(__file__).parent / "data"
KB_DIR = DATA / "kb"
DEV_SET = DATA / "eval" / "dev.yaml"

WriteKb = Callable[[Path, dict[str, str]], Path]


@pytest.fixture
def kb_dir() -> Path:
    """The reference base (126 entries), copied into the project so tests never read ../shared."""
    return KB_DIR


@pytest.fixture
def dev_set() -> Path:
    """The labelled dev questions, for evaluation tests only."""
    return DEV_SET


@pytest.fixture(scope="session")
def reference_kb() -> KnowledgeBase:
    """The reference base loaded once, since many tests only read it."""
    return load_knowledge(KB_DIR)


def write_files(root: Path, files: dict[str, str]) -> Path:
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
