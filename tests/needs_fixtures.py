"""A small, known needs log in a real SQLite file, shared by the export and report tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.storage.database import open_database, session_scope
from bot.storage.tables import Actor, Need, Ticket, TicketMessage
from tests.databases import url_for

CHAT_IDS = (987654321, 987654322, 987654323)
STAFF_ID = 555000111
USERNAME = "@anna_k"
STAFF_NAME = "Anna Karlsson"
HOSTILE = "<script>alert('x')</script> & <b>replokal</b> för vårt band?"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday

KEYS = ("a1" * 16, "b2" * 16, "c3" * 16)


def seed_needs(path: Path) -> Engine:
    """Twelve needs over three weeks (answers, a clarify, escalations), three tickets with chat ids, staff
    names and messages, and profiles: everything an export must leave out is present in the database."""
    engine = open_database(url_for(path))
    with session_scope(engine) as session:
        session.add_all([
            Actor(key=KEYS[0], language="sv", region="Sörmland", art_form="theatre"),
            Actor(key=KEYS[1], language="da", region="Sjælland", art_form="music"),
            Actor(key=KEYS[2], language="nl", region=None, art_form=None),
        ])
        tickets = [
            Ticket(user_key=KEYS[0], chat_id=CHAT_IDS[0], language="sv", region="Sörmland", art_form="theatre",
                   question=HOSTILE, tried=[{"id": "flen-kultursamordnare", "kind": "contact", "score": 0.2}],
                   state="closed", assignee_id=STAFF_ID, assignee_name=STAFF_NAME, label="funding",
                   created_at=START + timedelta(days=1), first_answer_at=START + timedelta(days=1, hours=3),
                   closed_at=START + timedelta(days=2), rating=4),
            Ticket(user_key=KEYS[1], chat_id=CHAT_IDS[1], language="da", region="Sjælland", art_form="music",
                   question="hvem kan hjælpe med en kontrakt?", tried=[], state="answered",
                   assignee_id=STAFF_ID, assignee_name=STAFF_NAME, created_at=START + timedelta(days=8),
                   first_answer_at=START + timedelta(days=8, hours=5)),
            Ticket(user_key=KEYS[2], chat_id=CHAT_IDS[2], language="nl", question="waar vind ik een advocaat",
                   tried=[], state="open", created_at=START + timedelta(days=15)),
        ]
        session.add_all(tickets)
        session.flush()
        for ticket in tickets:
            session.add(TicketMessage(ticket_id=ticket.id, author="user", text=ticket.question))
            session.add(TicketMessage(ticket_id=ticket.id, author="staff", staff_id=STAFF_ID,
                                      text=f"Hej! {STAFF_NAME} ({USERNAME}) here, chat {CHAT_IDS[0]}."))
        needs = [
            _need(0, 0, "sv", "var söker vi pengar för musikarrangemang", "answer",
                  [("kulturradet-musikarrangorer", "funding", 0.81)], feedback="helpful"),
            _need(0, 1, "sv", HOSTILE, "escalate", [("flen-kultursamordnare", "contact", 0.2)],
                  ticket=tickets[0].id),
            _need(1, 2, "da", "hvem er kulturkonsulent i næstved", "answer",
                  [("naestved-kulturkonsulent", "contact", 0.77)], feedback="not_helpful"),
            _need(1, 3, "da", "hvornår er næste netværksmøde", "clarify",
                  [("talentnettet-koordinator", "contact", 0.5), ("naestved-kulturkonsulent", "contact", 0.45)],
                  chosen="talentnettet-koordinator"),
            _need(2, 4, "nl", "wat kost de leidse aanpak", "answer", [("no-such-entry", "faq", 0.6)]),
            _need(0, 7, "sv", "finns det nån replokal för band i kommunen", "escalate", []),
            _need(1, 8, "da", "hvem kan hjælpe med en kontrakt?", "escalate", [], ticket=tickets[1].id),
            _need(0, 9, "sv", f"behöver replokal till mitt band, ring {USERNAME} på 070-123 45 67", "escalate", []),
            _need(2, 10, "nl", "is er subsidie voor vertaling", "answer",
                  [("kulturradet-musikarrangorer", "funding", 0.55)], feedback="helpful"),
            _need(2, 15, "nl", "waar vind ik een advocaat", "escalate", [], ticket=tickets[2].id),
            _need(0, 16, "sv", "letar replokal till vårt band", "escalate", []),
            _need(1, 17, "en", "where can we get money for a tour", "answer",
                  [("kulturradet-musikarrangorer", "funding", 0.7)]),
        ]
        session.add_all(needs)
        for ticket, need in zip(tickets, (needs[1], needs[6], needs[9]), strict=True):
            session.flush()
            ticket.need_id = need.id
    return engine


def _need(actor: int, day: int, language: str, text: str, decision: str, matches: list[tuple[str, str, float]],
          *, feedback: str | None = None, ticket: int | None = None, chosen: str | None = None) -> Need:
    profiles = {0: ("Sörmland", "theatre"), 1: ("Sjælland", "music"), 2: (None, None)}
    region, art_form = profiles[actor]
    return Need(created_at=START + timedelta(days=day, hours=actor), user_key=KEYS[actor], language=language,
                region=region, art_form=art_form, text=text, decision=decision,
                matches=[{"id": i, "kind": k, "score": s} for i, k, s in matches], chosen_id=chosen,
                feedback=feedback, ticket_id=ticket, update_id=1000 + day * 10 + actor)
