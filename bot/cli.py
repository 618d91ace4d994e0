"""The command line: `python -m bot COMMAND`; errors become one-line messages and exit codes here."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from bot.config import CONFIG_ENV, ConfigError, Settings, config_path, load_settings
from bot.matching.evaluation import EvalSetError
from bot.knowledge.entries import KnowledgeBase, KnowledgeErrors
from bot.knowledge.loader import load_knowledge
from bot.languages import LANGUAGES
from bot.matching.index import build_index
from bot.matching.language_data import load_language_data
from bot.matching.matcher import Matcher, Result
from bot.insights.periods import Period

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
    except KnowledgeErrors as exc:
        print(f"knowledge base has {len(exc.errors)} error(s):", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
    except BrokenPipeError:  # the reader went away (| head): not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (EvalSetError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kulturlots", description=__doc__)
    parser.add_argument("--config", help="config file (default: $KULTURLOTS_CONFIG or ./config.yaml)")
    commands = parser.add_subparsers(title="commands")

    ask = commands.add_parser("ask", help="answer questions from the knowledge base")
    ask.add_argument("question", nargs="+",
                     help="one or more questions, each one argument; '-' reads one question per line from stdin")
    ask.add_argument("--kb", type=Path, help="knowledge base folder (default: from config)")
    ask.add_argument("--json", action="store_true", help="one JSON object per question, one per line")
    ask.add_argument("--lang", default="en", choices=LANGUAGES, help="language of the answer")
    ask.set_defaults(handler=_ask)

    evaluate = commands.add_parser("eval", help="score the matcher on a labelled question set")
    evaluate.add_argument("questions", type=Path)
    evaluate.add_argument("--kb", type=Path)
    evaluate.add_argument("--failures", type=int, default=40, help="how many failures to list (default 40)")
    evaluate.set_defaults(handler=_eval)

    run = commands.add_parser("run", help="run the Telegram bot (long polling; token in $TELEGRAM_BOT_TOKEN)")
    run.set_defaults(handler=_run)
    console = commands.add_parser("console", help="talk to the bot in this terminal, on the same database")
    console.set_defaults(handler=_console)

    kb = commands.add_parser("kb", help="check and test a knowledge base").add_subparsers(title="kb commands")
    check = kb.add_parser("check", help="validate and summarise a knowledge base")
    check.add_argument("dir", nargs="?", type=Path)
    check.set_defaults(handler=_kb_check)
    selftest = kb.add_parser("test", help="ask every entry's example questions and list those that miss")
    selftest.add_argument("dir", nargs="?", type=Path)
    selftest.set_defaults(handler=_kb_test)

    export = commands.add_parser(
        "export", help="export the logged needs of a period as csv, xlsx or json",
        description="One row per logged need: time (UTC), language, kind, matched entries, decision, feedback, "
                    "ticket state and times, rating, region, art form and the pseudonymous user key; never a "
                    "Telegram id, chat id, name or question text. csv is UTF-8 with BOM for Excel; xlsx adds "
                    "'tickets' and 'summary' sheets; json is one array with one object per line.")
    export.add_argument("--format", choices=("csv", "xlsx", "json"), help="default: from --out's suffix, else csv")
    export.add_argument("--out", type=Path, help="file to write (default: stdout; xlsx needs a file)")
    export.set_defaults(handler=_export)
    report = commands.add_parser(
        "report", help="write an HTML report with charts and the unmet needs of a period",
        description="Writes DIR/index.html and its PNG charts (referenced by relative name, so the folder "
                    "opens from disk, offline), in --lang (default: the config's staff.language).")
    report.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for index.html and charts")
    report.set_defaults(handler=_report)
    for sub in (export, report):
        sub.add_argument("--period", help="2026-Q3, 2026-09, 2026, 30d, 12w or 2026-01-01..2026-03-31 (UTC)")
        sub.add_argument("--since", metavar="DATE", help="first day, YYYY-MM-DD (overrides --period's start)")
        sub.add_argument("--until", metavar="DATE", help="last day, inclusive (overrides --period's end)")
        sub.add_argument("--lang", choices=LANGUAGES,
                         help="language of entry titles and report texts (default: config staff.language)")
        sub.add_argument("--progress", action=argparse.BooleanOptionalAction,
                         help="a progress bar on stderr (default: only when stderr is a terminal)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    """The config asked for or present; only with --kb/DIR and no config anywhere, the defaults."""
    path = config_path(args.config)
    folder_given = getattr(args, "kb", None) or getattr(args, "dir", None)
    if folder_given and not args.config and not os.environ.get(CONFIG_ENV) and not path.exists():
        return Settings()
    return load_settings(path)


def _matcher(args: argparse.Namespace, folder: Path | None) -> Matcher:
    settings = _settings(args)
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

    matcher = _matcher(args, args.kb)
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
    from bot.matching.evaluation import evaluate, format_report, load_labelled

    matcher = _matcher(args, args.kb)
    report = evaluate(matcher, load_labelled(args.questions))
    print(format_report(report, failures=args.failures))
    return EXIT_OK


def _kb_check(args: argparse.Namespace) -> int:
    from bot.knowledge.check import check_report

    folder = args.dir or _settings(args).knowledge_dir
    kb = load_knowledge(folder)
    print(check_report(kb, today=date.today()))
    return EXIT_OK


def _kb_test(args: argparse.Namespace) -> int:
    from bot.matching.selftest import self_test

    matcher = _matcher(args, args.dir)
    misses, text = self_test(matcher)
    print(text)
    return EXIT_FAILED if misses else EXIT_OK


TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
NO_TOKEN = (f"{TOKEN_ENV} is not set. Get a token from @BotFather in Telegram (/newbot), then "
            f"`export {TOKEN_ENV}=...` and run again; or try the bot here with `python -m bot console`.")


def _run(args: argparse.Namespace) -> int:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_USAGE
    import asyncio
    import logging
    import signal

    from handlers.application import StartError, serve  # the edge: only here does Telegram come in

    settings = _settings(args)
    # python-telegram-bot reads this at every call: opt in to its timedelta periods for the whole process.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines would log the token

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, token=token, stop=stop)

    try:
        asyncio.run(main())
    except StartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _console(args: argparse.Namespace) -> int:
    from bot.conversation.console import console_sender, run
    from bot.conversation.dialogue import Conversation
    from bot.services import build_services

    run(Conversation(build_services(_settings(args))), sender=console_sender(os.environ))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    """Needs of a period to a file or stdout; only columns free of personal data (see bot/needs_rows.py)."""
    from bot.insights.export import FORMATS, export_needs
    from bot.insights.progress import progress_for
    from bot.insights.rows import open_existing

    period = _period(args)
    if period is None:
        return EXIT_USAGE
    suffix = args.out.suffix.lstrip(".").lower() if args.out else ""
    fmt = args.format or (suffix if suffix in FORMATS else "csv")
    if fmt == "xlsx" and args.out is None:
        print("error: xlsx is a binary file: give --out FILE.xlsx", file=sys.stderr)
        return EXIT_USAGE
    settings = _settings(args)
    kb = _titles_base(settings)
    result = export_needs(open_existing(settings.database_url), kb, fmt=fmt, since=period.since,
                          until=period.until, out=args.out, language=args.lang or settings.staff.language,
                          progress=progress_for(args.progress))
    if isinstance(result, bytes):
        sys.stdout.buffer.write(result)
        sys.stdout.flush()
    else:
        print(result)
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    """The HTML report of a period; prints the path of its index.html."""
    from bot.insights.progress import progress_for
    from bot.insights.report import build_report, report_catalog
    from bot.insights.rows import open_existing

    period = _period(args)
    if period is None:
        return EXIT_USAGE
    settings = _settings(args)
    kb = _titles_base(settings)
    index = build_report(open_existing(settings.database_url), kb, since=period.since, until=period.until,
                         out_dir=args.out, language=args.lang or settings.staff.language,
                         progress=progress_for(args.progress), catalog=report_catalog())
    print(index)
    return EXIT_OK


def _period(args: argparse.Namespace) -> Period | None:
    """The period of --period/--since/--until, or None after saying what is wrong with it."""
    from bot.insights.periods import PeriodError, resolve_period

    try:
        return resolve_period(args.period, args.since, args.until)
    except PeriodError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def _titles_base(settings: Settings) -> KnowledgeBase | None:
    """The base that names matched entries in exports; a broken base leaves titles empty, not the export."""
    try:
        return load_knowledge(settings.knowledge_dir)
    except KnowledgeErrors as exc:
        print(f"warning: entry titles left empty, the knowledge base has {len(exc.errors)} error(s)", file=sys.stderr)
        return None
