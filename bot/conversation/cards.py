"""What a user is told about an entry: title, text and the key facts of its kind."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.knowledge.entries import ROLLING, Entry, Text
from bot.knowledge.placeholders import mask, placeholder_email, placeholder_phone
from bot.matching.decisions import Decision, Result

CONTACT_FACTS = ("fact.email", "fact.phone")
CURRENCY = re.compile(r"\b(SEK|DKK|EUR|NOK|kr)\b\.?|€")  # what reads the same in every language
WORDED = re.compile(r"[^\W\d_]{2,}")
FIGURES = re.compile(r"(?:€\s?)?\d[\d .,]*(?:\s?[–-]\s?(?:€\s?)?\d[\d .,]*)?(?:\s?(?:SEK|DKK|EUR|NOK|kr)\b)?")


@dataclass(frozen=True, slots=True)
class Fact:
    label: str   # a catalog key: fact.amount, fact.deadline, ...
    value: str
    language: str | None = None  # the language of a value shown as a fallback, marked by the front ends


@dataclass(frozen=True, slots=True)
class Card:
    entry_id: str
    kind: str
    title: str
    text: str
    facts: tuple[Fact, ...]
    url: str | None
    deadline_passed: bool
    event_passed: bool = False
    demo: bool = False  # a placeholder contact was left out: the front ends say the entry is example data
    text_language: str | None = None  # the text's language when it is a fallback, marked by the front ends


def card(entry: Entry, *, language: str, today: date) -> Card:
    """The entry in the user's language (falling back to another it has), with the facts of its kind."""
    facts: list[Fact] = []
    demo = False

    def add(label: str, value: object) -> None:
        nonlocal demo
        if label in CONTACT_FACTS and isinstance(value, str) and (placeholder_email(value) or placeholder_phone(value)):
            demo = True  # never presented as a real address
        elif isinstance(value, Text):
            text, fallback = value.pick(language)
            facts.append(Fact(label, text, fallback or unstated_language(entry, value, language)))
        elif value:
            facts.append(Fact(label, _format(value)))

    if entry.kind == "funding":
        add("fact.organisation", entry.organisation)
        add("fact.amount", entry.amount)
        add("fact.deadline", entry.open_deadline(today))  # `audience` is no fact: an untagged list, in several languages
    elif entry.kind == "contact":
        add("fact.role", entry.role)
        add("fact.organisation", entry.organisation)
        add("fact.email", entry.email)
        add("fact.phone", entry.phone)
    elif entry.kind == "network":
        add("fact.organisation", entry.organisation)
        add("fact.how_to_join", entry.how_to_join)
        add("fact.email", entry.email)
    elif entry.kind in ("event", "course"):
        add("fact.starts", entry.starts)
        add("fact.place", entry.place or entry.municipality)
        add("fact.organisation", entry.organisation)
        if entry.kind == "course":
            add("fact.deadline", entry.open_deadline(today))
        add("fact.email", entry.email)
    text, fallback = entry.body.pick(language)
    masked = mask(text, "…")
    return Card(entry_id=entry.id, kind=entry.kind, title=entry.title.get(language),
                text=masked, facts=tuple(facts), url=entry.url,
                deadline_passed=entry.kind in ("funding", "course") and entry.deadline_passed(today),
                event_passed=entry.event_passed(today), demo=demo or masked != text,
                text_language=fallback)


def unstated_language(entry: Entry, value: Text, language: str) -> str | None:
    """The language of a plain text with words in it ('op til 75.000 DKK'), for a reader of another: the entry's
    own (its summary's first language besides English), so the card marks it as any fallback; a name or '20 000 SEK'
    is shown as is."""
    if value.by_language.get(language) or not WORDED.search(CURRENCY.sub(" ", value.by_language.get("", ""))):
        return None
    own = [lang for lang in (entry.summary or entry.title).by_language if lang not in ("", "en")][:1]
    return own[0] if own and own[0] != language else None


def figures(amount: str) -> str:
    """An amount's first figures and currency ('op til 75.000 DKK' → '75.000 DKK'), for a list line a reader of
    another language reads; the card, one tap away, shows the whole text, marked."""
    found = FIGURES.search(amount)
    return found.group().strip().rstrip(".,").strip() if found else ""


def _format(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if value == ROLLING:
        return "rolling"
    return str(value)


EN_LABELS = {"fact.organisation": "Organisation", "fact.amount": "Amount", "fact.deadline": "Deadline",
             "fact.role": "Role", "fact.email": "E-mail",
             "fact.phone": "Phone", "fact.how_to_join": "How to join", "fact.starts": "When",
             "fact.place": "Where"}


def render_result_text(result: Result, *, language: str, today: date) -> str:
    """A plain-text rendering for `ask`, as a person would read it."""
    if result.decision is Decision.ESCALATE or not result.matches:
        return f"? {result.question}\n  No confident answer: this goes to a person.\n"
    if result.decision is Decision.CLARIFY:
        options = "\n".join(f"  {n}. {m.entry.title.get(language)} [{m.entry.id}]"
                            for n, m in enumerate(result.matches, start=1))
        return f"? {result.question}\n  Did you mean:\n{options}\n"
    c = card(result.matches[0].entry, language=language, today=today)
    lines = [f"? {result.question}", f"  {c.title} [{c.entry_id}]", f"  {c.text}"]  # `ask` is for curators: unmarked
    lines += [f"  {EN_LABELS.get(f.label, f.label)}: {f.value}" for f in c.facts]
    if c.deadline_passed:
        lines.append("  (this deadline has passed)")
    if c.event_passed:
        lines.append("  (this event has taken place)")
    if c.demo:
        lines.append("  (example data: its placeholder contacts are left out)")
    if c.url:
        lines.append(f"  {c.url}")
    return "\n".join(lines) + "\n"
