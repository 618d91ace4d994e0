"""The synthetic base generator the matching benchmark uses writes a base the loader reads, and its questions."""

import subprocess
import sys
from pathlib import Path

from bot.knowledge.loader import load_knowledge

TOOL = Path(__file__).parent.parent / "tools" / "synth_kb.py"


def synth(*args: str) -> None:
    """Run the generator as the benchmark does: its own command line, this interpreter."""
    subprocess.run([sys.executable, str(TOOL), *args], check=True, capture_output=True)


def test_the_generator_writes_a_loadable_base_of_n_entries(tmp_path: Path) -> None:
    synth("50", str(tmp_path / "kb"))
    kb = load_knowledge(tmp_path / "kb")
    assert len(kb) == 50
    assert {e.kind for e in kb} == {"funding", "contact", "network", "event", "course", "faq"}  # all six kinds
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb"]  # no questions unless asked


def test_asked_for_questions_it_writes_that_many_chat_lines(tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    synth("50", str(tmp_path / "kb"), "--questions", "20", str(questions))
    lines = questions.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 20
    assert all(line.strip() for line in lines)
    assert len(load_knowledge(tmp_path / "kb")) == 50


def test_like_a_real_base_it_adds_distractors_and_near_duplicates_moved_to_other_towns(tmp_path: Path) -> None:
    reference = Path(__file__).parent / "data" / "kb"
    synth("300", str(tmp_path / "kb"), "--like", str(reference))
    real, grown = load_knowledge(reference), load_knowledge(tmp_path / "kb")
    assert len(grown) == len(real) + 300
    assert set(real.by_id) < set(grown.by_id)  # the real base as it is
    near = [e for e in grown if "-near-" in e.id]
    assert len(near) > 50
    for entry in near:
        original = real.by_id[entry.id.split("-near-")[0][:40]] if entry.id.split("-near-")[0] in real.by_id else None
        if original is not None:
            assert entry.regions != original.regions and entry.title.all() != original.title.all()


def test_a_near_duplicate_names_neither_the_original_towns_villages_nor_its_month(tmp_path: Path) -> None:
    """A coordinator moved from Flen does not serve Hälleforsnäs; a breakfast moved to May is not 'in April'."""
    reference = Path(__file__).parent / "data" / "kb"
    synth("600", str(tmp_path / "kb"), "--like", str(reference))
    near = [e for e in load_knowledge(tmp_path / "kb") if "-near-" in e.id]
    flen = [e for e in near if e.id.startswith("flen-")]
    assert flen and not any("Hälleforsnäs" in " ".join(e.body.all()) for e in flen)
    breakfasts = [e for e in near if e.id.startswith("kulturfrukost-") and e.starts is not None]
    assert breakfasts
    for event in breakfasts:
        month = event.starts.strftime("%B").lower()  # the English name; sv/da/nl share most
        english = event.title.get("en") or ""
        assert all(m not in english.lower() for m in ("january", "february", "march", "april", "may", "june", "july",
                                                       "august", "september", "october", "november", "december")
                   if m != month)
