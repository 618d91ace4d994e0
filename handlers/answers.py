"""A user's answer is recorded in the outbox in the turn's own transaction, then sent at once from there.

Decided and recorded are one commit, which also marks the update handled: a crash before it changes nothing (the
update is handled again), a crash after it loses nothing (the sender sends the rows after the restart), and the
answer is never decided twice. Rendering happens here, so the rows hold what Telegram will get.
"""

from __future__ import annotations

import base64
from typing import Any

from sqlmodel import Session

from bot.conversation.dialogue import Keep
from bot.conversation.events import Turn
from bot.desk.outbox import Method, Purpose, enqueue_new
from bot.i18n.catalog import Catalog
from bot.storage.inbox import handled_in
from handlers.render import keyboard, reply_html, split


def keeper(*, chat_id: int, update_id: int, catalog: Catalog, replace: int | None = None) -> Keep:
    """Records a turn as outbox rows (one per message, in order) and marks its update handled, in one transaction.
    `replace`: the pressed message, edited in place by a reply that asks for it."""

    def keep(session: Session, turn: Turn) -> None:
        rows: list[dict[str, Any]] = []
        for reply in turn.replies:
            pieces = split(reply_html(reply, catalog))
            for at, piece in enumerate(pieces):
                markup = keyboard(reply) if at == len(pieces) - 1 else None
                edit = replace if reply.replace and len(pieces) == 1 else None
                rows.append({"method": Method.REPLY, "payload": {
                    "html": piece, "markup": markup.to_dict() if markup else None, "edit": edit}})
            if reply.attachment is not None:
                rows.append({"method": Method.DOCUMENT, "payload": {
                    "filename": reply.attachment.filename,
                    "base64": base64.b64encode(reply.attachment.content).decode("ascii")}})
        # one statement for all of them, in order (ids ascend as the sender reads them); a key kept before stays
        enqueue_new(session, [{**row, "key": f"answer:{update_id}:{number}", "chat_id": chat_id,
                               "purpose": Purpose.ANSWER} for number, row in enumerate(rows)])
        handled_in(session, update_id)

    return keep
