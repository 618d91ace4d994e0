"""Answer quality as the base grows: each labelled set against the reference base alone and with N distractors.

    python benchmarks/quality_at_scale.py [--sizes 500 2000 5000] [--sets dev.yaml ...]

tools/synth_kb.py writes the reference base plus N realistic distractors (all six kinds, many places, a third
near-duplicates of the base's local entries moved to other municipalities); the labelled questions still
expect the reference entries, so every distractor that wins is a wrong or missed answer. Prints one table.

A set the confidence model is fitted on (`FITTED` in bot/matching/training.py) is measured with the model fitted
without it, alone and among distractors alike: its own questions would otherwise be judged by a model that
learnt them on the reference base, and any base but that one would look worse for it. Other sets get the
shipped model.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402 - after the path, as a script run from anywhere
from bot.matching.confidence import Confidence  # noqa: E402
from bot.matching.decisions import Decision  # noqa: E402
from bot.matching.evaluation import Outcome, Report, evaluate, load_labelled  # noqa: E402
from bot.matching.language_data import load_language_data  # noqa: E402
from bot.matching.matcher import Matcher  # noqa: E402
from bot.matching.places import Fit, Gazetteer  # noqa: E402
from bot.matching.training import FITTED, examples, fitted_without  # noqa: E402
from bot.services import Knowledge, load_knowledge_for  # noqa: E402

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


def town_distractor(outcome: Outcome, reference: set[str], matcher: Matcher) -> bool:
    """A question the reference labels send to a person, answered by a distractor made for the very town it
    names: the labels cannot judge it (a national base that holds that town's entry should offer it)."""
    best = outcome.result.best
    if outcome.item.expect or best is None or best.entry.id in reference or outcome.result.decision is Decision.ESCALATE:
        return False
    coverage = matcher.index.coverage[matcher.index.positions[best.entry.id]]
    return Gazetteer.fit_specific(coverage, Gazetteer.specific(outcome.result.places)) is Fit.LOCAL


def models(alone: Knowledge, names: Sequence[str]) -> dict[str, Confidence]:
    """Per set, the model to judge it with: fitted without it where it is fitted on, else the shipped one."""
    rules = Matcher(alone.matcher.index, alone.matcher.settings, confidence=Confidence({}))
    fitted = {name: load_labelled(SETS / f"{name}.yaml") for name in FITTED}
    found = examples(rules, fitted)
    shipped = alone.matcher.confidence
    groups = {name: name.removesuffix(".yaml") for name in names}
    return {name: fitted_without(found, group) if group in fitted else shipped for name, group in groups.items()}


def judged(knowledge: Knowledge, confidence: Confidence, name: str) -> Report:
    return evaluate(Matcher(knowledge.matcher.index, knowledge.matcher.settings, confidence=confidence),
                    load_labelled(SETS / name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 5000])
    parser.add_argument("--sets", nargs="+", default=list(SEEN))
    args = parser.parse_args()
    language = load_language_data()
    alone = load_knowledge_for(Settings(), language, KB)
    reference = {entry.id for entry in alone.kb}
    confidence = models(alone, args.sets)
    base = {name: judged(alone, confidence[name], name) for name in args.sets}
    print("| set | entries | handled | wrong | clarify | judged by a town's distractor | "
          "handled / wrong, the rest, base alone |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets:
            print(row(name, len(alone.kb), base[name], (), base[name]))
        for size in args.sizes:
            knowledge = load_knowledge_for(Settings(), language, base_with(size, Path(tmp)))
            for name in args.sets:
                report = judged(knowledge, confidence[name], name)
                unjudged = [i for i, o in enumerate(report.outcomes) if town_distractor(o, reference, knowledge.matcher)]
                print(row(name, len(knowledge.kb), report, unjudged, base[name]))


def row(name: str, entries: int, report: Report, unjudged: Sequence[int], base: Report) -> str:
    """One table line: the figures on all questions, then, without the questions a town's distractor answered,
    this base and the base alone side by side."""
    rest = [o for i, o in enumerate(report.outcomes) if i not in unjudged]
    same = [o for i, o in enumerate(base.outcomes) if i not in unjudged]
    return (f"| {name} | {entries:,} | {report.share('handled'):.1f} % | {report.share('wrong'):.1f} % | "
            f"{report.clarify_share():.1f} % | {len(unjudged)} | {report.share('handled', rest):.1f} / "
            f"{report.share('wrong', rest):.1f} %, {base.share('handled', same):.1f} / {base.share('wrong', same):.1f} % |")

if __name__ == "__main__":
    main()
