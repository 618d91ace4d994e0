"""Replies into Telegram messages: HTML with every string escaped, keyboards, long texts split."""

from __future__ import annotations

import re
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.conversation.cards import Card
from bot.conversation.events import Button, Reply
from bot.i18n.catalog import Catalog
from bot.i18n.visible import is_blank

LIMIT = 4096
TAG_RESERVE = 64


def card_html(card: Card, catalog: Catalog, language: str) -> str:
    """Title first, then a passed deadline (before anything could read as open), the text and the key facts."""
    lines = [f"<b>{escape(card.title)}</b>"]
    if card.deadline_passed:
        lines.append(escape(catalog(language, "card.deadline_passed")))
    if card.event_passed:
        lines.append(escape(catalog(language, "card.event_passed")))
    lines += ["", escape(marked(card.text, card.text_language, catalog))]
    if card.facts:
        lines.append("")
        for fact in card.facts:
            value = catalog(language, "card.rolling") if fact.value == "rolling" else fact.value
            lines.append(f"<b>{escape(catalog(language, fact.label))}:</b> {escape(marked(value, fact.language, catalog))}")
    if card.demo:
        lines += ["", f"<i>{escape(catalog(language, 'card.demo'))}</i>"]
    return "\n".join(lines)


def marked(text: str, fallback: str | None, catalog: Catalog) -> str:
    """A text shown in another language than the reader's, marked with that language ('… (in English)')."""
    return f"{text} {catalog(fallback, 'card.in_language')}" if fallback else text


def reply_html(reply: Reply, catalog: Catalog) -> str:
    """A reply as Telegram HTML: the card, then the text, every string escaped."""
    parts = [card_html(reply.card, catalog, reply.language)] if reply.card else []
    if reply.text:
        parts.append(escape(reply.text))
    return "\n\n".join(parts)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Button rows as an inline keyboard: link buttons by url, the rest by callback data."""
    rows = [[button for b in row if (button := _button(b)) is not None] for row in reply.buttons]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def _button(button: Button) -> InlineKeyboardButton | None:
    if button.url is None:
        return InlineKeyboardButton(button.label, callback_data=button.data)
    url = link_url(button.url)
    return InlineKeyboardButton(button.label, url=url) if url else None


def link_url(url: str) -> str | None:
    """A URL a link button may carry (Telegram takes only http, https and tg): a bare 'www.x.se' gains https://;
    anything else (mailto:, a typo) gives no button rather than a refused answer."""
    url = url.strip()
    if re.match(r"(?i)(https?|tg)://\S+$", url):
        return url
    if re.match(r"(?i)[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(/\S*)?$", url):
        return f"https://{url}"
    return None


def split(html: str, limit: int = LIMIT) -> list[str]:
    """Pieces under Telegram's limit, cut at paragraph, then line, then word boundaries, never in a tag or entity."""
    pieces: list[str] = []
    rest = html
    while _units(rest) > limit:
        window = _fitting(rest, limit - TAG_RESERVE)  # room for the tags closed at a cut
        cut = _boundary(window)
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
    return [p for p in pieces if not is_blank(re.sub(r"<[^>]*>", "", p))]  # Telegram refuses a blank piece


def split_plain(text: str, limit: int = LIMIT) -> list[str]:
    """Plain text (sent without parse mode) in pieces under the limit, cut at paragraph, line or word boundaries."""
    pieces: list[str] = []
    rest = text
    while _units(rest) > limit:
        window = _fitting(rest, limit)
        cut = _boundary(window)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return [p for p in pieces if not is_blank(p)]  # only pieces a reader sees: Telegram refuses a blank one


def fit(text: str, units: int) -> str:
    """The text cut to `units` UTF-16 code units (a caption, a button toast), ending in … when cut."""
    return text if _units(text) <= units else _fitting(text, units - 1).rstrip() + "…"


def _boundary(window: str) -> int:
    """Where to cut a window: its last paragraph, line or word break in the second half, else its end."""
    return next((at for sep in ("\n\n", "\n", " ") if (at := window.rfind(sep)) > len(window) // 2), len(window))


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
