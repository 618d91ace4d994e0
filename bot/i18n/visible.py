"""What a reader sees of a text: zero-width, direction and other invisible characters do not count."""

from __future__ import annotations

import unicodedata

BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800")  # Hangul fillers and the blank Braille cell


def visible(text: str) -> str:
    """The text without invisible characters and whitespace: empty means there is nothing to read."""
    return "".join(ch for ch in text if ch not in BLANK_LOOKALIKES and not ch.isspace()
                   and unicodedata.category(ch) not in ("Cf", "Cc", "Zs", "Zl", "Zp", "Mn"))


def is_blank(text: str) -> bool:
    """True when a reader would see nothing (Telegram refuses such a message as empty); a letter or digit (not a
    blank lookalike) settles it at once, so a long answer is not read character by character."""
    if any(ch.isalnum() and ch not in BLANK_LOOKALIKES for ch in text):
        return False
    return not visible(text)
