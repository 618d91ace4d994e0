"""`kb check`, `kb test`, `kb export` and `kb import`: the curators' tools for the base."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from bot.cli.answering import matcher_for
from bot.cli.common import EXIT_FAILED, EXIT_OK, settings_for
from bot.desk.publishing import about_texts
from bot.i18n.catalog import load_catalog
from bot.knowledge.changes import changes_between, summary_lines
from bot.knowledge.loader import load_knowledge
from bot.knowledge.sheet import write_workbook
from bot.knowledge.sheet_read import read_workbook
from bot.knowledge.yaml_write import apply_changes
from bot.languages import LANGUAGES


def add_commands(commands: Any) -> None:
    """The `kb` commands on the command line's subparsers."""
    kb = commands.add_parser("kb", help="check, test, export and import a knowledge base").add_subparsers(
        title="kb commands")
    check = kb.add_parser("check", help="validate and summarise a knowledge base")
    check.add_argument("dir", nargs="?", type=Path)
    check.set_defaults(handler=_kb_check)
    selftest = kb.add_parser("test", help="ask every entry's example questions and list those that miss")
    selftest.add_argument("dir", nargs="?", type=Path)
    selftest.set_defaults(handler=_kb_test)
    export = kb.add_parser("export", help="the base as a spreadsheet: a sheet per kind, a row per entry")
    export.add_argument("--format", choices=["xlsx"], default="xlsx")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--kb", type=Path, help="knowledge base folder (default: from config)")
    export.add_argument("--lang", choices=LANGUAGES, help="language of the sheet explaining the columns")
    export.set_defaults(handler=_kb_export)
    imported = kb.add_parser("import", help="check an edited spreadsheet, show what it changes, --apply writes it")
    imported.add_argument("file", type=Path)
    imported.add_argument("--kb", type=Path, help="knowledge base folder (default: from config)")
    imported.add_argument("--apply", action="store_true", help="write the changes into the base's YAML files")
    imported.set_defaults(handler=_kb_import)


def _kb_check(args: argparse.Namespace) -> int:
    from bot.i18n.mixing import joins_languages
    from bot.i18n.phrases import load_phrases
    from bot.knowledge.check import check_report

    settings = settings_for(args)
    kb = load_knowledge(args.dir or settings.knowledge_dir)
    cues = load_phrases().function_words
    print(check_report(kb, today=date.today(), review_after_days=settings.knowledge.review_after_days,
                       joins_languages=lambda text: joins_languages(text, cues)))
    return EXIT_OK


def _kb_test(args: argparse.Namespace) -> int:
    from bot.matching.selftest import self_test

    matcher = matcher_for(args, args.dir)
    misses, text = self_test(matcher)
    print(text)
    return EXIT_FAILED if misses else EXIT_OK


def _kb_export(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    kb = load_knowledge(args.kb or settings.knowledge_dir)
    about, heads = about_texts(load_catalog(), args.lang or settings.staff.language)
    write_workbook(kb, args.out, about=about, about_heads=heads)
    print(f"{len(kb)} entries written to {args.out}")
    return EXIT_OK


def _kb_import(args: argparse.Namespace) -> int:
    kb = load_knowledge(args.kb or settings_for(args).knowledge_dir)
    rows = read_workbook(args.file)
    changes = changes_between(kb, [r.entry for r in rows if r.entry],
                              removed_ids=[r.entry_id for r in rows if r.entry is None])
    print("\n".join(summary_lines(changes)))
    if changes and args.apply:
        written = apply_changes(kb, changes)
        print(f"written: {', '.join(p.name for p in written)}")
    elif changes:
        print("nothing written: run again with --apply to write these changes")
    return EXIT_OK
