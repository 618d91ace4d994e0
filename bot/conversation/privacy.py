"""The person's own data: /mydata shows it (a message and a JSON file), /forget erases it after a yes."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlmodel import Session

from bot.conversation.events import Attachment, Button, Command, Press, Reply, Turn
from bot.storage.privacy import forget, my_data
from bot.storage.tables import Actor

Texts = Callable[..., str]
PREVIEW = 5  # questions quoted in the message; the file holds them all


def confirm(texts: Texts, actor: Actor) -> Turn:
    """/forget asks first: deleting cannot be undone."""
    buttons = ((Button(texts(actor.language, "privacy.confirm_yes"), "fg:yes"),
                Button(texts(actor.language, "privacy.confirm_no"), "fg:no")),)
    return Turn((Reply(texts(actor.language, "privacy.confirm"), buttons=buttons, language=actor.language),))


def answer(session: Session, texts: Texts, actor: Actor, event: Press, choice: str) -> Turn:
    """Yes erases everything about the person (anonymous counts stay); no keeps it all."""
    language = actor.language
    if choice != "yes":
        return Turn((Reply(texts(language, "privacy.kept"), language=language, replace=True),))
    count = forget(session, actor.key, user_id=event.sender.user_id, chat_id=event.sender.chat_id)
    return Turn((Reply(texts(language, "privacy.forgotten", count=count), language=language, replace=True),))


def show(session: Session, texts: Texts, actor: Actor, event: Command) -> Turn:
    """What is kept about the person, readable, and all of it as a JSON file."""
    data = my_data(session, actor.key)
    language, profile = actor.language, data["profile"] or {}
    questions = data["questions"]
    quoted = "\n".join(f"• {q['time'][:10]}: {q['text']}" for q in questions[-PREVIEW:])
    tickets = ", ".join(f"#{t['number']} ({t['state']})" for t in data["tickets"]) or "-"
    reminders = ", ".join(texts(language, f"remind.topic_{r['topic']}") for r in data["reminders"]) or "-"
    text = texts(language, "privacy.mydata", language=profile.get("language", language),
                 region=profile.get("region") or "-", art_form=profile.get("art_form") or "-",
                 count=len(questions), questions=quoted or "-", tickets=tickets, reminders=reminders)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode()
    return Turn((Reply(text, language=language, attachment=Attachment("kulturlots-my-data.json", content)),))
