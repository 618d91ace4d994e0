"""`kb check`: a summary of a base's health for curators (counts, languages, passed deadlines)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

from bot.knowledge.entries import KINDS, Entry, KnowledgeBase, Text
from bot.knowledge.fields import STRING_FIELDS, TEXT_FIELDS
from bot.knowledge.placeholders import placeholders
from bot.knowledge.review import review_lines, stale_entries
from bot.languages import LANGUAGES


def check_report(kb: KnowledgeBase, *, today: date, review_after_days: int = 180,
                 joins_languages: Callable[[str], bool] | None = None) -> str:
    """Counts per kind, languages covered, entries missing a language, deadlines already passed."""
    kinds = Counter(e.kind for e in kb)
    lines = [f"{len(kb)} entries in {kb.root}: OK", ""]
    lines += [f"  {kind:<8} {kinds.get(kind, 0):>5}" for kind in KINDS]
    covered = Counter(lang for e in kb for lang in e.body.languages)
    lines += ["", "languages (entries with a text in it): "
              + ", ".join(f"{lang} {covered.get(lang, 0)}" for lang in LANGUAGES)]
    missing = [(e, langs) for e in kb if (langs := sorted(expected_languages(e) - e.body.languages))
               and e.body.languages]
    lines.append(f"entries missing English or the language of their country: {len(missing)}")
    lines += [f"  {e.id}: no {', '.join(langs)}" for e, langs in missing]
    passed = sorted((e for e in kb if e.deadline_passed(today)), key=lambda e: str(e.deadline))  # ISO dates
    lines.append(f"deadlines already passed (funding and courses): {len(passed)}")
    lines += [f"  {e.id}: {e.deadline} ({e.source.file}:{e.source.line})" for e in passed]
    lines += review_lines(stale_entries(kb, today=today, review_after_days=review_after_days))
    lines += placeholder_lines(kb)
    if joins_languages is not None:
        lines += mixed_lines(kb, joins_languages)
    return "\n".join(lines)


COUNTRY_LANGUAGE = {"se": "sv", "dk": "da", "nl": "nl"}


def expected_languages(entry: Entry) -> frozenset[str]:
    """English, plus the language of each country the entry is for."""
    return frozenset({"en"} | {COUNTRY_LANGUAGE[r] for r in entry.regions if r in COUNTRY_LANGUAGE})


def placeholder_lines(kb: KnowledgeBase) -> list[str]:
    """A warning per placeholder contact: example data the bot will not show, to replace before going live."""
    found = [p for e in kb for p in placeholders(e)]
    if not found:
        return []
    return [f"warning: placeholder contacts (example data, not shown to users; replace them): {len(found)}",
            *(f"  {p.entry_id}: {p.field} {p.value}" for p in found)]


def mixed_lines(kb: KnowledgeBase, joins_languages: Callable[[str], bool]) -> list[str]:
    """Fields whose one text joins two languages ('sv text / en text'): give each language its own text."""
    found = [f"  {e.id}: {name}" + (f".{lang}" if lang else "") + f" ({e.source.file}:{e.source.line})"
             for e in kb for name in (*TEXT_FIELDS, *STRING_FIELDS) for lang, text in _texts(getattr(e, name))
             if joins_languages(text)]
    return [f"fields that join two languages (write one text per language instead): {len(found)}", *found]


def _texts(value: object) -> list[tuple[str, str]]:
    if isinstance(value, Text):
        return list(value.by_language.items())
    return [("", value)] if isinstance(value, str) else []
