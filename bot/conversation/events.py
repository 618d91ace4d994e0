"""What comes into the conversation and what it returns; no transport in sight."""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation.cards import Card

CALLBACK_DATA_MAX = 64  # Telegram's limit on a button's callback data


@dataclass(frozen=True, slots=True)
class Sender:
    """Who wrote, with the chat to answer in and the language their app reports."""

    user_id: int
    chat_id: int
    language_code: str | None = None
    first_name: str = ""
    channel: str = "telegram"
    username: str | None = None  # given to another person only when both said yes to an introduction


@dataclass(frozen=True, slots=True)
class Text:
    """Free text: a question for the matcher (or a follow-up to an open ticket)."""

    sender: Sender
    text: str
    message_id: int = 0
    update_id: int | None = None
    reply_to: int | None = None  # the message of the bot's it replies to: a relayed staff answer joins its ticket
    media: str | None = None     # a caption's photo, document...: during a ticket it is copied to staff as it is


@dataclass(frozen=True, slots=True)
class Command:
    """A /command; `update_id` lets /human with a question be logged once."""

    sender: Sender
    name: str  # without the slash, lowercase
    args: str = ""
    update_id: int | None = None


@dataclass(frozen=True, slots=True)
class Press:
    """An inline button pressed; its data is untrusted until checked against the sender."""

    sender: Sender
    data: str
    message_id: int = 0


@dataclass(frozen=True, slots=True)
class Media:
    """Anything that is not text: answered with a short note, never matched."""

    sender: Sender
    kind: str  # sticker, voice, photo, document, location, ...
    message_id: int = 0


Event = Text | Command | Press | Media


@dataclass(frozen=True, slots=True)
class Button:
    """A callback button (data) or a link button (url), rendered by each front end its own way."""

    label: str
    data: str | None = None  # callback data, at most 64 bytes
    url: str | None = None

    def __post_init__(self) -> None:
        if self.data is not None and not 1 <= len(self.data.encode()) <= CALLBACK_DATA_MAX:
            raise ValueError(f"callback data must be 1-{CALLBACK_DATA_MAX} bytes: {self.data!r}")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent after a reply's text (e.g. /mydata's JSON), by each front end its own way."""

    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """One message: plain text (renderers escape it), an optional entry card, button rows."""

    text: str = ""
    card: Card | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    language: str = "en"
    replace: bool = False  # edit the message whose button was pressed instead of sending anew
    attachment: Attachment | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    """The conversation's answer to one event; `menu_language` asks to show the command menu in it."""

    replies: tuple[Reply, ...] = ()
    menu_language: str | None = None
    toast: str | None = None  # a short notice for a button press
