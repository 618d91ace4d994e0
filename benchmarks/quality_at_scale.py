"""Answer quality as the base grows: each labelled set against the reference base alone and with N distractors.

    python benchmarks/quality_at_scale.py [--sizes 500 2000 5000] [--sets dev.yaml ...]

tools/synth_kb.py writes the reference base plus N realistic distractors (all six kinds, many places, a third
near-duplicates of the base's local entries moved to other municipalities); the labelled questions still
expect the reference entries, so every distractor that wins is a wrong or missed answer. Prints one table.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402 - after the path, as a script run from anywhere
from bot.matching.evaluation import evaluate, load_labelled  # noqa: E402
from bot.matching.language_data import load_language_data  # noqa: E402
from bot.services import load_knowledge_for  # noqa: E402

KB = ROOT / "tests" / "data" / "kb"
SETS = ROOT / "tests" / "data" / "eval"
SEEN = ("dev.yaml", "independent.yaml", "paraphrases.yaml", "blind.yaml", "detail_dev.yaml")


def base_with(size: int, folder: Path) -> Path:
    """The reference base plus `size` distractors, written by the project's generator."""
    if size == 0:
        return KB
    out = folder / f"kb-{size}"
    subprocess.run([sys.executable, str(ROOT / "tools" / "synth_kb.py"), str(size), str(out), "--like", str(KB)],
                   check=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 5000])
    parser.add_argument("--sets", nargs="+", default=list(SEEN))
    args = parser.parse_args()
    language = load_language_data()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (0, *args.sizes):
            knowledge = load_knowledge_for(Settings(), language, base_with(size, Path(tmp)))
            for name in args.sets:
                report = evaluate(knowledge.matcher, load_labelled(SETS / name))
                rows.append((name, len(knowledge.kb), report.share("handled"), report.share("wrong"),
                             report.clarify_share()))
    print("| set | entries | handled | wrong | clarify |\n| --- | ---: | ---: | ---: | ---: |")
    for name, entries, handled, wrong, clarify in sorted(rows, key=lambda r: (r[0], r[1])):
        print(f"| {name} | {entries:,} | {handled:.1f} % | {wrong:.1f} % | {clarify:.1f} % |")


if __name__ == "__main__":
    main()
