"""A card as text to show: name, art forms, place, languages and their line; never an id, username or phone."""

from __future__ import annotations

from collections.abc import Callable

from bot.storage.contact_tables import ContactCard


def card_text(card: ContactCard, t: Callable[..., str]) -> str:
    """The card in the reader's language (`t` formats a catalog key in it)."""
    arts = ", ".join(t(f"art.{a}") for a in card.art_forms.strip("|").split("|") if a)
    langs = ", ".join(t(f"contact.lang_{code}") for code in card.languages.split(",") if code)
    lines = [card.name, f"{arts} · {card.place}"]
    if langs:
        lines.append(t("contact.speaks", languages=langs))
    lines.append(card.line)
    return "\n".join(lines)
