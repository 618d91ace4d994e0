"""The tree keeps its architecture: the core loads without Telegram, and each package says what it owns."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import bot

ROOT = Path(__file__).parents[1]


def test_importing_every_core_module_leaves_telegram_out() -> None:
    """In a fresh interpreter: this process has loaded Telegram for other tests already."""
    script = ("import importlib, pkgutil, sys, bot\n"
              "for m in pkgutil.walk_packages(bot.__path__, 'bot.'):\n"
              "    if m.name != 'bot.__main__': importlib.import_module(m.name)\n"
              "print(sorted(n for n in sys.modules if n == 'telegram' or n.startswith(('telegram.', 'handlers'))))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_core_package_says_what_it_owns() -> None:
    packages = [m.name for m in pkgutil.iter_modules(bot.__path__, "bot.") if m.ispkg]
    assert {"bot.knowledge", "bot.matching", "bot.conversation", "bot.contact", "bot.desk", "bot.storage",
            "bot.insights"} <= set(packages)
    for name in packages:
        doc = importlib.import_module(name).__doc__ or ""
        assert len(doc.split()) >= 15, f"{name} has no docstring saying what it owns"


def test_no_core_module_grows_past_the_size_a_reader_takes_in() -> None:
    """About 250 lines a module: past that, it owns more than one thing."""
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "bot").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 260}
    assert long == {}
