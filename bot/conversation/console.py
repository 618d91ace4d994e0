"""The same conversation in a terminal: replies as text, buttons as numbered choices."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TextIO

from bot.conversation.dialogue import Conversation
from bot.conversation.events import Button, Command, Press, Reply, Sender, Text, Turn

CONSOLE_USER = Sender(user_id=0, chat_id=0, language_code=None, first_name="", channel="console")
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def console_sender(environ: Mapping[str, str]) -> Sender:
    """The terminal's user, in the language of the terminal's locale (sv_SE.UTF-8 -> sv) where we speak it."""
    locale = next((environ[name] for name in LOCALE_VARIABLES if environ.get(name)), "")
    code = locale.split(".")[0].replace("_", "-")
    return replace(CONSOLE_USER, language_code=code if code not in ("", "C", "POSIX") else None)


def marked(text: str, fallback: str | None, catalog: Callable[..., str]) -> str:
    """A text shown in another language than the reader's, marked with that language ('… (in English)')."""
    return f"{text} {catalog(fallback, 'card.in_language')}" if fallback else text


def render(reply: Reply, catalog: Callable[..., str]) -> tuple[str, list[Button]]:
    """A reply as plain text, with its buttons numbered from 1."""
    lines: list[str] = []
    if reply.card is not None:
        card = reply.card
        lines.append(card.title.upper())
        if card.deadline_passed:  # before anything could read as open
            lines.append(catalog(reply.language, "card.deadline_passed"))
        if card.event_passed:
            lines.append(catalog(reply.language, "card.event_passed"))
        lines.append(marked(card.text, card.text_language, catalog))
        lines += [f"  {catalog(reply.language, f.label)}: "
                  + marked(catalog(reply.language, "card.rolling") if f.value == "rolling" else f.value, f.language,
                           catalog) for f in card.facts]
        if card.demo:
            lines.append(catalog(reply.language, "card.demo"))
    if reply.text:
        lines.append(reply.text)
    if reply.attachment is not None:  # the person's own file, shown where they sit
        lines += [f"[{reply.attachment.filename}]", reply.attachment.content.decode("utf-8", "replace")]
    buttons = [b for row in reply.buttons for b in row if b.data]
    lines += [f"  → {b.label}: {b.url}" for row in reply.buttons for b in row if b.url]
    lines += [f"  [{n}] {b.label}" for n, b in enumerate(buttons, start=1)]
    return "\n".join(lines), buttons


def run(conversation: Conversation, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
        sender: Sender = CONSOLE_USER) -> None:
    """Read lines until end of input: text is a question, /cmd a command, a number presses a button."""
    catalog = conversation.services.catalog
    choices: list[Button] = []

    def show(turn: Turn) -> None:
        """Print a turn, numbering buttons across its replies."""
        nonlocal choices
        choices = []
        for reply in turn.replies:
            text, buttons = render(reply, catalog)
            offset = len(choices)
            choices += buttons
            if offset:  # keep numbers unique across the replies of one turn
                for n in range(len(buttons), 0, -1):
                    text = text.replace(f"  [{n}] ", f"  [{n + offset}] ")
            print(text + "\n", file=stdout, flush=True)
        if turn.toast:
            print(turn.toast + "\n", file=stdout, flush=True)

    show(conversation.handle(Command(sender, "start")))
    for line in stdin:
        line = line.strip()
        if not line:
            continue
        if line.isdigit() and 1 <= int(line) <= len(choices):
            show(conversation.handle(Press(sender, choices[int(line) - 1].data or "")))
        elif line.startswith("/"):
            name, _, args = line[1:].partition(" ")
            show(conversation.handle(Command(sender, name.lower(), args)))
        else:
            show(conversation.handle(Text(sender, line)))
