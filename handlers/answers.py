"""A user's answer is recorded in the outbox in the turn's own transaction, then sent at once from there.

Decided and recorded are one commit, which also marks the update handled: a crash before it changes nothing (the
update is handled again), a crash after it loses nothing (the sender sends the rows after the restart), and the
answer is never decided twice. Rendering happens here, so the rows hold what Telegram will get.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from bot.conversation.events import Turn
from bot.desk.outbox import Method, Purpose, enqueue_new, pending_in, queued_for
from bot.i18n.catalog import Catalog
from bot.storage.inbox import handled_in
from handlers.render import keyboard, reply_html, split


@dataclass(slots=True)
class Recorder:
    """Records a turn as outbox rows (one per message, in order) and marks its update handled, in one transaction;
    then holds the chat's pending rows as that transaction saw them, for the sender to send without a second read,
    and whether the turn queued rows for other chats too (a ticket's card), which the sender's rounds take.
    `replace`: the pressed message, edited in place by a reply that asks for it."""

    chat_id: int
    update_id: int
    catalog: Catalog
    replace: int | None = None
    pending: list[int] = field(default_factory=list)
    others: bool = False

    def __call__(self, session: Session, turn: Turn) -> None:
        rows: list[dict[str, Any]] = []
        for reply in turn.replies:
            pieces = split(reply_html(reply, self.catalog))
            for at, piece in enumerate(pieces):
                markup = keyboard(reply) if at == len(pieces) - 1 else None
                edit = self.replace if reply.replace and len(pieces) == 1 else None
                rows.append({"method": Method.REPLY, "payload": {
                    "html": piece, "markup": markup.to_dict() if markup else None, "edit": edit}})
            if reply.attachment is not None:
                rows.append({"method": Method.DOCUMENT, "payload": {
                    "filename": reply.attachment.filename,
                    "base64": base64.b64encode(reply.attachment.content).decode("ascii")}})
        # one statement for all of them, in order (ids ascend as the sender reads them); a key kept before stays
        enqueue_new(session, [{**row, "key": f"answer:{self.update_id}:{number}", "chat_id": self.chat_id,
                               "purpose": Purpose.ANSWER} for number, row in enumerate(rows)])
        handled_in(session, self.update_id)
        self.pending = pending_in(session, self.chat_id)
        self.others = bool(queued_for(session) - {self.chat_id})
