"""Introductions with consent on both sides: asked with one line, answered by the listed person, told via the outbox.

The listed person gets the asker's card and line with Accept, Decline and Block. On accept each gets the other's
@username, or where one has none, the bot relays one message each way. A decline, a block and seven days of
silence all reach the asker as the same kind words, so nobody learns which. Staff see counts, never contents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, func, select

from bot.config import ContactSettings
from bot.contact.directory import card_of
from bot.contact.render import card_text
from bot.desk.outbox import Method, enqueue
from bot.storage.contact_tables import ContactBlock, ContactCard, ContactRequest, RequestState
from bot.storage.tables import Actor

Texts = Callable[..., str]


class Refusal(StrEnum):
    """Why an introduction cannot be asked; each is a catalog key's last part."""

    NO_CARD = "ask_needs_card"
    SELF = "ask_self"
    GONE = "ask_gone"
    OPEN_LIMIT = "ask_open_limit"
    DAY_LIMIT = "ask_day_limit"
    ALREADY = "ask_already"


@dataclass(frozen=True, slots=True)
class Asker:
    """Who asks: their key, chat, language and @username (kept only on the request, for an accepted one)."""

    key: str
    chat_id: int
    username: str | None


def refusal(session: Session, *, asker: Asker, card_id: int, limits: ContactSettings, now: datetime) -> Refusal | None:
    """Why this asker may not ask this card now, or None. A block reads as 'gone', as if never listed."""
    target = session.get(ContactCard, card_id)
    if card_of(session, asker.key) is None:
        return Refusal.NO_CARD
    if target is None or not target.listed or _blocked(session, target.user_key, asker.key):
        return Refusal.GONE
    if target.user_key == asker.key:
        return Refusal.SELF
    mine = select(func.count()).select_from(ContactRequest).where(ContactRequest.asker_key == asker.key)
    if session.exec(mine.where(ContactRequest.target_card_id == card_id,
                               ContactRequest.state == RequestState.PENDING)).one():
        return Refusal.ALREADY
    if session.exec(mine.where(ContactRequest.state == RequestState.PENDING)).one() >= limits.open_per_asker:
        return Refusal.OPEN_LIMIT
    if session.exec(mine.where(col(ContactRequest.created_at) >= now - timedelta(days=1))).one() >= limits.per_day:
        return Refusal.DAY_LIMIT
    return None


def _blocked(session: Session, target_key: str, asker_key: str) -> bool:
    return session.exec(select(ContactBlock).where(ContactBlock.target_key == target_key,
                                                   ContactBlock.asker_key == asker_key)).first() is not None


def ask(session: Session, *, asker: Asker, card_id: int, line: str, texts: Texts, target_language: str,
        now: datetime, by_staff: bool = False) -> ContactRequest:
    """Store the request and, in the same transaction, the listed person's message with its three buttons."""
    target = session.get(ContactCard, card_id)
    own = card_of(session, asker.key)
    assert target is not None and own is not None
    request = ContactRequest(asker_key=asker.key, asker_chat_id=asker.chat_id, asker_username=asker.username,
                             target_key=target.user_key, target_card_id=card_id, line=line, by_staff=by_staff,
                             created_at=now)
    session.add(request)
    session.flush()
    t = _in(texts, target_language)
    buttons = [[{"label": t("contact.accept"), "data": f"ka:{request.id}"},
                {"label": t("contact.decline"), "data": f"kd:{request.id}"}],
               [{"label": t("contact.block"), "data": f"kb:{request.id}"}]]
    text = "\n\n".join((t("contact.request_in"), card_text(own, t), t("contact.request_line", line=line)))
    enqueue(session, key=f"contact:{request.id}:ask", method=Method.MESSAGE, chat_id=target.chat_id,
            payload={"text": text, "buttons": buttons})
    return request


def _in(texts: Texts, language: str) -> Callable[..., str]:
    return lambda key, **params: texts(language, key, **params)


def pending_for(session: Session, request_id: int, target_key: str) -> ContactRequest | None:
    """A pending request, only for the listed person it was sent to (callback data can be forged)."""
    request = session.get(ContactRequest, request_id)
    ok = request is not None and request.target_key == target_key and request.state == RequestState.PENDING
    return request if ok else None


def accept(session: Session, request: ContactRequest, *, target: Asker, texts: Texts, languages: dict[str, str],
           now: datetime) -> dict[str, Any]:
    """Both get each other's way to be reached: the @username, else one relayed message each way.
    Returns the conversation state each side needs for a relay ({user key: request id})."""
    request.state, request.settled_at = RequestState.ACCEPTED, now
    target_card = session.get(ContactCard, request.target_card_id) if request.target_card_id else None
    asker_card = card_of(session, request.asker_key or "")
    relays: dict[str, Any] = {}
    sides = ((request.asker_key, request.asker_chat_id, target.username, target_card),
             (target.key, target.chat_id, request.asker_username, asker_card))
    for key, chat_id, other_username, other_card in sides:
        if key is None or chat_id is None:
            continue
        t = _in(texts, languages.get(key, "en"))
        name = other_card.name if other_card else "-"
        if other_username:
            text = t("contact.accepted_username", name=name, username=other_username)
        else:
            text, relays[key] = t("contact.accepted_relay", name=name), request.id
        enqueue(session, key=f"contact:{request.id}:accepted:{key[:12]}", method=Method.MESSAGE, chat_id=chat_id,
                payload={"text": text})
    return relays


def say_no(session: Session, request: ContactRequest, *, state: RequestState, texts: Texts, language: str,
           now: datetime) -> None:
    """Decline, block or expiry: the asker hears the same kind words whichever it was."""
    request.state, request.settled_at = state, now
    target, asker = request.target_key, request.asker_key
    if state == RequestState.BLOCKED and target and asker and not _blocked(session, target, asker):
        session.add(ContactBlock(target_key=target, asker_key=asker))
    if request.asker_chat_id is not None:
        enqueue(session, key=f"contact:{request.id}:no", method=Method.MESSAGE, chat_id=request.asker_chat_id,
                payload={"text": texts(language, "contact.not_this_time")})


def withdraw(session: Session, target_key: str, *, texts: Texts, now: datetime) -> int:
    """The listed person removed their card or asked to be forgotten: whoever still waits on them hears the same
    kind words as for a decline (under a key /forget leaves alone, as it holds nothing of the listed person)."""
    waiting = session.exec(select(ContactRequest).where(ContactRequest.target_key == target_key,
                                                        ContactRequest.state == RequestState.PENDING)).all()
    for request in waiting:
        request.state, request.settled_at = RequestState.DECLINED, now
        asker = session.get(Actor, request.asker_key) if request.asker_key else None
        if request.asker_chat_id is not None:
            enqueue(session, key=f"contact-withdrawn:{request.id}", method=Method.MESSAGE,
                    chat_id=request.asker_chat_id,
                    payload={"text": texts(asker.language if asker else "en", "contact.not_this_time")})
    return len(waiting)


def expire(session: Session, *, texts: Texts, limits: ContactSettings, now: datetime) -> int:
    """Requests left unanswered for `expire_days` close; their askers are told kindly. Returns how many."""
    stale = session.exec(select(ContactRequest).where(
        ContactRequest.state == RequestState.PENDING,
        col(ContactRequest.created_at) < now - timedelta(days=limits.expire_days))).all()
    for request in stale:
        asker = session.get(Actor, request.asker_key) if request.asker_key else None
        say_no(session, request, state=RequestState.EXPIRED, texts=texts,
               language=asker.language if asker else "en", now=now)
    return len(stale)


def relay(session: Session, request: ContactRequest, *, from_key: str, text: str, texts: Texts, language: str,
          message_id: int) -> bool:
    """One message from one side of an accepted introduction to the other; False if it is not theirs."""
    if request.state != RequestState.ACCEPTED or from_key not in (request.asker_key, request.target_key):
        return False
    if from_key == request.asker_key:
        card = session.get(ContactCard, request.target_card_id) if request.target_card_id else None
        chat_id, sender = (card.chat_id if card else None), card_of(session, from_key)
    else:
        chat_id, sender = request.asker_chat_id, card_of(session, from_key)
    if chat_id is None:
        return False
    enqueue(session, key=f"contact:{request.id}:relay:{from_key[:12]}:{message_id}", method=Method.MESSAGE,
            chat_id=chat_id, payload={"text": texts(language, "contact.relayed", name=sender.name if sender else "-",
                                                    text=text)})
    return True
