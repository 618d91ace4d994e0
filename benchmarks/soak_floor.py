"""Kulturlots with its conversation replaced by one constant answer: what the durable path alone costs under load.

    python benchmarks/soak_floor.py constant|direct --config X run

`constant`: every turn records the same answer in the outbox, in the turn's own transaction, as a real turn
does (inbox, outbox, sender, Telegram's limits and journal all as shipped); no matching, no needs log (its table
shows every need "never" logged), no actor.
`direct`: the same answer, not recorded (the turn's transaction only marks the update handled), sent with one
`sendMessage` straight from the handler, past the outbox, as a bot that did not record its sends would. The `floor`
scenario runs both beside the echo bot and the real Kulturlots, so what each part of an update costs is measured
in one run, not estimated.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from bot.cli import main
from bot.conversation import dialogue
from bot.conversation.events import Event, Reply, Turn
from bot.storage.database import session_scope
from handlers import user

ANSWER = "Kulturrådet ger bidrag till teater, dans och musik. " * 12  # about the length of a real card
VARIANTS = ("constant", "direct")


def answering(*, recorded: bool) -> Callable[..., Turn]:
    """`Conversation.handle` giving the same answer every time, naming the question (the harness tells one answer
    from the next by its words); the update is marked handled in one transaction, with the answer's outbox rows
    when `recorded`."""
    def handle(self: dialogue.Conversation, event: Event, *,
               keep: Callable[[Session, Turn], None] | None = None) -> Turn:
        turn = Turn(replies=(Reply(text=f"{ANSWER}({getattr(event, 'text', '')[:80]})", language="sv"),))
        with session_scope(self.services.engine) as session:
            if keep is not None:
                keep(session, turn if recorded else Turn())
        return turn
    return handle


async def direct(update: Any, context: Any, turn: Turn, record: Any) -> None:
    """The answer sent at once, from the handler."""
    await context.bot.send_message(update.effective_chat.id, turn.replies[0].text)


if __name__ == "__main__":
    variant, *argv = sys.argv[1:]
    if variant not in VARIANTS:
        sys.exit(f"the first argument is one of {', '.join(VARIANTS)}")
    dialogue.Conversation.handle = answering(recorded=variant == "constant")  # type: ignore[method-assign]
    if variant == "direct":
        user.send_turn = direct
    sys.exit(main(argv))
