"""`ask` and `eval`: the matcher from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from bot.cli.common import EXIT_OK, settings_for
from bot.knowledge.loader import load_knowledge
from bot.languages import LANGUAGES
from bot.matching.decisions import Result
from bot.matching.index import build_index
from bot.matching.language_data import load_language_data
from bot.matching.matcher import Matcher


def add_commands(commands: Any) -> None:
    """The answering commands on the command line's subparsers."""
    ask = commands.add_parser("ask", help="answer questions from the knowledge base")
    ask.add_argument("question", nargs="+",
                     help="one or more questions, each one argument; '-' reads one question per line from stdin")
    ask.add_argument("--kb", type=Path, help="knowledge base folder (default: from config)")
    ask.add_argument("--json", action="store_true", help="one JSON object per question, one per line")
    ask.add_argument("--lang", default="en", choices=LANGUAGES, help="language of the answer")
    ask.set_defaults(handler=_ask)

    evaluate = commands.add_parser("eval", help="score the matcher on labelled question sets")
    evaluate.add_argument("questions", type=Path, nargs="+",
                          help="a labelled set; several: a row each, then figures pooled over all with an interval")
    evaluate.add_argument("--kb", type=Path)
    evaluate.add_argument("--failures", type=int, default=0,
                          help="how many failures to list (none unless asked: reading them makes a set seen)")
    evaluate.add_argument("--save", type=Path, help="write each question's verdict to this file, for --against")
    evaluate.add_argument("--against", type=Path,
                          help="a file --save wrote (another matcher): how far handled and wrong moved since")
    evaluate.set_defaults(handler=_eval)


def matcher_for(args: argparse.Namespace, folder: Path | None) -> Matcher:
    settings = settings_for(args)
    kb = load_knowledge(folder or settings.knowledge_dir)
    return Matcher(build_index(kb, language=load_language_data()), settings.matching)


def _questions(raw: Sequence[str]) -> Iterator[str]:
    for arg in raw:
        if arg == "-":
            yield from (line.strip() for line in sys.stdin if line.strip())
        elif arg.strip():
            yield arg.strip()


def _ask(args: argparse.Namespace) -> int:
    from bot.conversation.cards import render_result_text

    matcher = matcher_for(args, args.kb)
    for question in _questions(args.question):
        result = matcher.match(question)
        if args.json:
            print(json.dumps(result_json(result), ensure_ascii=False), flush=True)
        else:
            print(render_result_text(result, language=args.lang, today=date.today()), flush=True)
    return EXIT_OK


def result_json(result: Result) -> dict[str, object]:
    """The `ask --json` contract: question, decision and matches best first."""
    return {
        "question": result.question,
        "decision": result.decision.value,
        "matches": [{"id": m.entry.id, "kind": m.entry.kind, "title": m.entry.title.get("en"),
                     "score": round(m.score, 4)} for m in result.matches],
    }


def _eval(args: argparse.Namespace) -> int:
    from bot.matching.evaluation import EvalSetError, evaluate, format_report, load_labelled
    from bot.matching.pooling import earlier_verdicts, format_change, format_pooled, run_of, verdicts_of

    matcher = matcher_for(args, args.kb)
    reports = {path.name: evaluate(matcher, load_labelled(path)) for path in args.questions}
    if len(reports) < len(args.questions):
        raise EvalSetError("two sets of the same file name: their rows and saved verdicts would mix")
    if len(reports) == 1:
        print(format_report(next(iter(reports.values())), failures=args.failures))
    else:
        print(format_pooled(reports))
    run = run_of(reports)
    if args.against is not None:
        try:
            before = earlier_verdicts(args.against.read_text(encoding="utf-8"),
                                      {name: saved["questions"] for name, saved in run.items()})
        except EvalSetError as error:
            raise EvalSetError(f"{args.against}: {error} (eval --save)") from None
        print(format_change(before, verdicts_of(reports)))
    if args.save is not None:
        args.save.write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    return EXIT_OK
