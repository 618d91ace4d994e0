#!/usr/bin/env python3
"""Fit the matcher's confidence model on the seen labelled sets and write bot/matching/data/confidence.json.

    python tools/train_confidence.py            # refit and write the model
    python tools/train_confidence.py --check    # exit 1 if the shipped model is not the refit of these sets
    python tools/train_confidence.py --held-out # each set scored by a model fitted without it
    python tools/train_confidence.py --cross-fit 4 [--save run.json] [--against run.json]
        # the fitted FAQ and chat sets in 4 folds, each scored by a model fitted without its fold; pooled per
        # style, and paired against a run another matcher saved

Only sets the README marks seen are fitted on: an unseen set must stay a clean generalisation figure.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.matching.confidence import SIGNALS, Confidence, confidence_from_mapping  # noqa: E402
from bot.matching.evaluation import EvalSetError, Labelled, load_labelled  # noqa: E402
from bot.matching.index import build_index  # noqa: E402
from bot.matching.language_data import load_language_data  # noqa: E402
from bot.matching.matcher import Matcher  # noqa: E402
from bot.matching.pooling import earlier_verdicts, format_change, format_pooled, run_of, verdicts_of  # noqa: E402
from bot.matching.training import FITTED, Example, cross_fitted, examples, held_out, train  # noqa: E402

MODEL = ROOT / "bot" / "matching" / "data" / "confidence.json"
CROSS_FITTED = [name for name in FITTED if re.fullmatch(r"(faq|chat)_fresh_\d+", name)]  # dealt into folds


def _matcher(kb_dir: Path) -> Matcher:
    """The rules alone (no model yet): what the model is fitted to second-guess."""
    settings = load_settings(ROOT / "config.yaml").matching
    index = build_index(load_knowledge(kb_dir), language=load_language_data())
    return Matcher(index, settings, confidence=Confidence({}))


def _sets(eval_dir: Path) -> dict[str, list[Labelled]]:
    return {name: load_labelled(eval_dir / f"{name}.yaml") for name in FITTED}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare the refit with the shipped model")
    parser.add_argument("--held-out", action="store_true", help="print each set scored by a model fitted without it")
    parser.add_argument("--cross-fit", type=int, metavar="FOLDS",
                        help="score the fitted *_fresh_N sets in FOLDS folds, each by a model fitted without its fold")
    parser.add_argument("--save", type=Path, help="with --cross-fit: keep each question's verdict, for --against")
    parser.add_argument("--against", type=Path,
                        help="with --cross-fit: a run --save wrote (another matcher): how far each style moved")
    parser.add_argument("--eval", type=Path, default=ROOT / "tests" / "data" / "eval")
    parser.add_argument("--kb", type=Path, default=ROOT / "tests" / "data" / "kb")
    args = parser.parse_args()
    if (args.save or args.against) and not args.cross_fit:
        parser.error("--save and --against go with --cross-fit")
    if args.cross_fit is not None and not 2 <= args.cross_fit <= len(CROSS_FITTED):
        parser.error(f"--cross-fit needs 2 to {len(CROSS_FITTED)} folds")
    try:  # read before the minutes of fitting, so a wrong path fails at once
        against = args.against.read_text(encoding="utf-8") if args.against else None
    except OSError as error:
        parser.error(f"--against: {error}")
    sets = _sets(args.eval)
    try:  # checked against the sets before the minutes of fitting
        before = None if against is None else earlier_verdicts(
            against, {name: [item.question for item in sets[name]] for name in CROSS_FITTED})
    except EvalSetError as error:
        parser.error(f"--against: {error} (train_confidence --cross-fit --save)")
    matcher = _matcher(args.kb)
    found = examples(matcher, sets)
    if args.held_out:
        print(f"{'set':<16} {'handled':>8} {'wrong':>6} {'clarify':>8}   (fitted without the set)")
        for name, report in held_out(matcher, sets, found).items():
            print(f"{name:<16} {report.share('handled'):7.1f}% {report.share('wrong'):5.1f}% "
                  f"{report.clarify_share():7.1f}%")
        return 0
    if args.cross_fit:
        return _cross_fit(matcher, sets, found, folds=args.cross_fit, save=args.save, before=before)
    model = train(found)
    if args.check:
        shipped = confidence_from_mapping(json.loads(MODEL.read_text(encoding="utf-8")))
        if not shipped.close_to(model):
            print(f"{MODEL} is not the refit of the seen sets: run tools/train_confidence.py", file=sys.stderr)
            return 1
        print("the shipped model is the refit of the seen sets")
        return 0
    # Written by this tool from the seen labelled sets: refit, do not edit. One tree a line, so a refit's diff reads.
    trees = {stage: [json.dumps(tree) for tree in m["trees"]] for stage, m in model.to_mapping()["models"].items()}
    lines = [f'{{"signals": {json.dumps(list(SIGNALS))},', ' "models": {']
    for number, (stage, rows) in enumerate(trees.items()):
        baseline = model.models[stage].baseline
        lines.append(f'  {json.dumps(stage)}: {{"baseline": {baseline!r}, "trees": [')
        lines.extend(f"   {row}{',' if i < len(rows) - 1 else ''}" for i, row in enumerate(rows))
        lines.append("  ]}" + ("," if number < len(trees) - 1 else ""))
    lines.append("}}")
    MODEL.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {MODEL} from {len(found)} questions of {len(sets)} sets")
    return 0


def _cross_fit(matcher: Matcher, sets: dict[str, list[Labelled]], found: list[Example], *, folds: int,
               save: Path | None, before: dict[str, list[str]] | None) -> int:
    """Round 21's cross-fitted figures: per style, each set's row and the pooled figures (and how far they moved
    since a saved run's verdicts, `before`), every set judged by a model that never saw it."""
    reports = cross_fitted(matcher, sets, found, groups=CROSS_FITTED, folds=folds)
    for style in ("faq", "chat"):
        chosen = {name: report for name, report in reports.items() if name.startswith(style)}
        print(f"{style}, cross-fitted in {folds} folds\n{format_pooled(chosen)}")
        if before is not None:
            print(format_change({name: before[name] for name in chosen}, verdicts_of(chosen)))
    if save is not None:
        save.write_text(json.dumps(run_of(reports), ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
