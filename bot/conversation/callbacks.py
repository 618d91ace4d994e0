"""Callback data is untrusted: numbers in it are read only as plain digits within a stored id's range."""

from __future__ import annotations

MAX_ID = 2**63 - 1  # SQLite's and PostgreSQL's BIGINT: a larger id raises instead of finding nothing
MAX_DIGITS = len(str(MAX_ID))


def number(text: str, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """An id, index or rating from a button, or None when forged: only ASCII digits, between low and high."""
    if not text or len(text) > MAX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None
