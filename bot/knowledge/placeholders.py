"""Placeholder contacts (example.org addresses, +46 0000 numbers): demo data that must never pass for real."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.entries import Entry

# RFC 2606 and RFC 6761 reserve these names for examples: no mail to them ever arrives.
RESERVED_DOMAIN = re.compile(r"(?i)(^|\.)(example\.(org|com|net)|[a-z0-9-]+\.(example|test|invalid|localhost))$")
EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
PHONE = re.compile(r"\+\d[\d ()-]{6,}\d")
COUNTRY_CODES = ("46", "45", "31", "47", "49", "358", "354", "44", "1")


@dataclass(frozen=True, slots=True)
class Placeholder:
    """One placeholder found in an entry: which field holds it and the value."""

    entry_id: str
    field: str
    value: str


def placeholder_email(address: str) -> bool:
    """An address at a reserved example domain."""
    found = EMAIL.fullmatch(address.strip())
    return found is not None and RESERVED_DOMAIN.search(found.group(1)) is not None


def placeholder_phone(number: str) -> bool:
    """A number no telephone network gives out: after the country code it starts with 00 (no trunk 0 follows a
    country code), or written nationally it starts with 0000."""
    digits = re.sub(r"\D", "", number)
    if not digits:
        return False
    if not number.strip().startswith("+"):
        return digits.startswith("0000")
    code = next((c for c in COUNTRY_CODES if digits.startswith(c)), digits[:2])
    return digits[len(code):].startswith("00")


def in_text(text: str) -> list[str]:
    """The placeholder addresses and numbers written inside a free text."""
    found = [m.group() for m in EMAIL.finditer(text) if placeholder_email(m.group())]
    return found + [m.group() for m in PHONE.finditer(text) if placeholder_phone(m.group())]


def mask(text: str, replacement: str) -> str:
    """The text with every placeholder address and number replaced."""
    for value in in_text(text):
        text = text.replace(value, replacement)
    return text


def placeholders(entry: Entry) -> list[Placeholder]:
    """Every placeholder contact of an entry, in its contact fields and in its texts."""
    found: list[Placeholder] = []
    if entry.email and placeholder_email(entry.email):
        found.append(Placeholder(entry.id, "email", entry.email))
    if entry.phone and placeholder_phone(entry.phone):
        found.append(Placeholder(entry.id, "phone", entry.phone))
    texts = {"summary": entry.summary, "answer": entry.answer, "how_to_join": entry.how_to_join}
    for name, value in texts.items():
        found += [Placeholder(entry.id, name, v) for s in (value.all() if value else ()) for v in in_text(s)]
    return found
