"""The four languages Kulturlots speaks, defined once for config, knowledge base, catalogs and commands."""

from __future__ import annotations

from typing import Literal, get_args

Language = Literal["sv", "da", "nl", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
FALLBACK: Language = "en"  # the language of last resort: every catalog and most entries have it
