"""Replies into Telegram messages: HTML with every string escaped, keyboards, long texts split."""

from __future__ import annotations

import re
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.cards import Card
from bot.i18n import Catalog
from bot.replies import Reply

LIMIT = 4096
TAG_RESERVE = 64


def card_html(card: Card, catalog: Catalog, language: str) -> str:
    """Title first, then a passed deadline (before anything could read as open), the text and the key facts."""
    lines = [f"<b>{escape(card.title)}</b>"]
    if card.deadline_passed:
        lines.append(escape(catalog(language, "card.deadline_passed")))
    lines += ["", escape(card.text)]
    if card.facts:
        lines.append("")
        for fact in card.facts:
            value = catalog(language, "card.rolling") if fact.value == "rolling" else fact.value
            lines.append(f"<b>{escape(catalog(language, fact.label))}:</b> {escape(value)}")
    return "\n".join(lines)


def reply_html(reply: Reply, catalog: Catalog) -> str:
    """A reply as Telegram HTML: the card, then the text, every string escaped."""
    parts = [card_html(reply.card, catalog, reply.language)] if reply.card else []
    if reply.text:
        parts.append(escape(reply.text))
    return "\n\n".join(parts)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Button rows as an inline keyboard: link buttons by url, the rest by callback data."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, url=b.url) if b.url
                                  else InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                                 for row in reply.buttons])


def split(html: str, limit: int = LIMIT) -> list[str]:
    """Pieces under Telegram's limit, cut at paragraph, then line, then word boundaries, never in a tag or entity."""
    pieces: list[str] = []
    rest = html
    while _units(rest) > limit:
        window = _fitting(rest, limit - TAG_RESERVE)  # room for the tags closed at a cut
        cut = next((at for sep in ("\n\n", "\n", " ") if (at := window.rfind(sep)) > len(window) // 2),
                   len(window))
        if window.rfind("<", 0, cut) > window.rfind(">", 0, cut):
            cut = window.rfind("<", 0, cut) or cut  # do not split inside a tag
        if (amp := window.rfind("&", 0, cut)) > window.rfind(";", 0, cut):
            cut = amp or cut  # nor inside &amp; and its kin
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
        opened = _open_tags(pieces[-1])
        if opened:  # close tags at the cut and reopen them in the next piece
            pieces[-1] += "".join(f"</{t}>" for t in reversed(opened))
            rest = "".join(f"<{t}>" for t in opened) + rest
    pieces.append(rest)
    return [p for p in pieces if p.strip()]


def _units(text: str) -> int:
    """Telegram counts UTF-16 code units: an emoji is two."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _fitting(text: str, units: int) -> str:
    """The longest start of `text` within `units` UTF-16 code units."""
    end = min(len(text), units)
    while _units(text[:end]) > units:
        end -= max(1, (_units(text[:end]) - units) // 2)
    return text[:end]


def _open_tags(html: str) -> list[str]:
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)([a-z-]+)[^>]*>", html):
        if closing and stack and stack[-1] == name:
            stack.pop()
        elif not closing:
            stack.append(name)
    return stack
