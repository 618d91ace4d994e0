"""The synthetic base generator the benchmarks use writes a base the loader reads."""

import subprocess
import sys
from pathlib import Path

from bot.knowledge import load_knowledge

TOOL = Path(__file__).parent.parent / "tools" / "synth_kb.py"


def test_the_generator_writes_a_loadable_base_and_questions(tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    subprocess.run([sys.executable, str(TOOL), "50", str(tmp_path / "kb"), "--questions", "20", str(questions)],
                   check=True)
    assert len(load_knowledge(tmp_path / "kb")) == 50
    assert len(questions.read_text(encoding="utf-8").splitlines()) == 20
