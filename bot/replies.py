"""What comes into the conversation and what it returns; no transport in sight."""

from __future__ import annotations

from dataclasses import dataclass

from bot.cards import Card


@dataclass(frozen=True, slots=True)
class Sender:
    """Who wrote, with the chat to answer in and the language their app reports."""

    user_id: int
    chat_id: int
    language_code: str | None = None
    first_name: str = ""
    channel: str = "telegram"


@dataclass(frozen=True, slots=True)
class Text:
    sender: Sender
    text: str
    message_id: int = 0
    update_id: int | None = None


@dataclass(frozen=True, slots=True)
class Command:
    sender: Sender
    name: str  # without the slash, lowercase
    args: str = ""
    update_id: int | None = None


@dataclass(frozen=True, slots=True)
class Press:
    sender: Sender
    data: str
    message_id: int = 0


@dataclass(frozen=True, slots=True)
class Media:
    sender: Sender
    kind: str  # sticker, voice, photo, document, location, ...


Event = Text | Command | Press | Media


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str | None = None  # callback data, at most 64 bytes
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """One message: plain text (renderers escape it), an optional entry card, button rows."""

    text: str = ""
    card: Card | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    language: str = "en"
    replace: bool = False  # edit the message whose button was pressed instead of sending anew


@dataclass(frozen=True, slots=True)
class Turn:
    """The conversation's answer to one event; `menu_language` asks to show the command menu in it."""

    replies: tuple[Reply, ...] = ()
    menu_language: str | None = None
    toast: str | None = None  # a short notice for a button press
