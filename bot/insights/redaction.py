"""Masks contact details in question texts shown to people outside the help desk (reports, /stats)."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{2,31}\b")
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d \-/().]{5,}\d(?!\w)")
PHONE_DIGITS = 8  # fewer digits is more often an amount or a year than a phone number

EMAIL, HANDLE, PHONE = "[e-mail]", "[@user]", "[phone]"


def redact(text: str) -> str:
    """The text with e-mail addresses, @usernames and phone numbers (8+ digits) replaced by placeholders."""
    text = _EMAIL.sub(EMAIL, text)
    text = _HANDLE.sub(HANDLE, text)
    return _PHONE.sub(lambda m: PHONE if sum(c.isdigit() for c in m.group()) >= PHONE_DIGITS else m.group(), text)


EXCERPT = 200  # characters of an example question shown in a report or /stats


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The text with contact details masked, cut at a word near `limit` characters, with … where cut."""
    text = " ".join(redact(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
