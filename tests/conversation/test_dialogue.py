"""The conversation core: replies for each kind of input, and the needs it logs first."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import Settings, StaffSettings
from bot.conversation import browse
from bot.conversation.dialogue import Conversation
from bot.conversation.events import Command, Media, Press, Sender, Text
from bot.conversation.replies import Replies
from bot.services import Knowledge, build_services
from bot.storage.database import open_database, session_scope
from bot.storage.tables import Actor, Need, OutboxMessage, Ticket
from tests.databases import url_for

ANNA = Sender(user_id=1001, chat_id=1001, language_code="sv", first_name="Anna")


@pytest.fixture
def knowledge(reference_knowledge: Knowledge) -> Knowledge:
    return reference_knowledge


def conversation(tmp_path: Path, knowledge: Knowledge, **staff: object) -> Conversation:
    settings = Settings(staff=StaffSettings(**staff))  # type: ignore[arg-type]
    services = build_services(settings, engine=open_database(url_for(tmp_path / 'c.db')), secret=b"test",
                              knowledge=knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    return Conversation(services)


def test_start_greets_in_the_users_language_and_offers_a_profile(tmp_path: Path, knowledge: Knowledge) -> None:
    turn = conversation(tmp_path, knowledge).handle(Command(ANNA, "start"))
    assert turn.replies[0].text.startswith("Hej Anna!") and "pseudonym" in turn.replies[0].text
    assert [b.data for b in turn.replies[1].buttons[0]] == ["pf:c:se", "pf:c:dk", "pf:c:nl"]
    assert turn.menu_language == "sv"


def test_a_question_is_logged_once_before_its_answer(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)
    event = Text(ANNA, "hvem er kulturkonsulent i næstved", update_id=5)
    turn = conv.handle(event)
    conv.handle(event)  # redelivered
    card = turn.replies[0].card
    assert card is not None and card.entry_id == "naestved-kulturkonsulent"
    with session_scope(conv.services.engine) as session:
        needs = session.exec(select(Need)).all()
        assert len(needs) == 1 and needs[0].decision == "answer" and needs[0].matches[0]["id"] == card.entry_id
        assert needs[0].user_key != str(ANNA.user_id) and str(ANNA.user_id) not in needs[0].user_key


def test_feedback_is_stored_and_not_helpful_offers_a_person(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)
    turn = conv.handle(Text(ANNA, "hvem er kulturkonsulent i næstved", update_id=1))
    not_helpful = turn.replies[0].buttons[-1][1].data
    assert not_helpful is not None
    offer = conv.handle(Press(ANNA, not_helpful))
    assert offer.replies[0].buttons[-1][0].data.startswith("esc:")  # type: ignore[union-attr]
    with session_scope(conv.services.engine) as session:
        assert session.exec(select(Need)).one().feedback == "not_helpful"


def test_someone_else_cannot_give_feedback_on_my_question(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)
    turn = conv.handle(Text(ANNA, "hvem er kulturkonsulent i næstved", update_id=1))
    forged = turn.replies[0].buttons[-1][0].data
    assert forged is not None
    assert conv.handle(Press(Sender(2002, 2002), forged)).replies == ()
    with session_scope(conv.services.engine) as session:
        assert session.exec(select(Need)).one().feedback is None


def test_clarify_offers_options_and_a_person_and_a_choice_shows_the_card(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)
    turn = conv.handle(Text(ANNA, "subsidie voor een voorstelling in leiden?", update_id=1))
    rows = turn.replies[0].buttons
    assert 2 <= len(rows) - 1 <= 5 and rows[-1][0].data.startswith("esc:")  # type: ignore[union-attr]
    chosen = conv.handle(Press(ANNA, rows[1][0].data or ""))  # the second option: not simply the best match
    kept, shown = chosen.replies
    card = shown.card
    assert card is not None and card.title == rows[1][0].label
    assert kept.replace and kept.buttons[1][0].label == "✓ " + rows[1][0].label  # the list stays, the line marked
    assert [b.data for row in kept.buttons for b in row] == [b.data for row in rows for b in row]
    with session_scope(conv.services.engine) as session:
        assert session.exec(select(Need)).one().chosen_id == card.entry_id


def test_a_single_offered_entry_says_it_may_not_answer_exactly_and_offers_a_person(
        tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)
    need = Need(id=7, user_key="k", language="en", text="is the EVI training given in Arabic?", decision="clarify",
                matches=[{"id": "evi-training", "kind": "course", "score": 0.73}])
    reply = Replies(conv.services, "en", None).options(need)
    assert reply.text.startswith("This may be it, but I am not sure it says exactly what you ask.")
    assert [row[0].data for row in reply.buttons[:2]] == ["ch:7:0", "esc:7"]


def test_an_off_topic_question_is_offered_a_person_and_a_ticket_opens_only_when_asked(
        tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge, group_chat_id=-100)
    turn = conv.handle(Text(ANNA, "vad blir det för väder i nyköping på lördag", update_id=1))
    (offer,) = turn.replies
    assert offer.text.startswith("Det ligger utanför det jag hjälper till med")
    assert [b.data for b in offer.buttons[0]] == ["esc:1", "rp:1"]
    with session_scope(conv.services.engine) as session:
        assert session.exec(select(Ticket)).all() == []
    receipt = conv.handle(Press(ANNA, "esc:1")).replies[-1]
    assert "#1" in receipt.text and "arbetsdagar" in receipt.text
    with session_scope(conv.services.engine) as session:
        assert session.exec(select(Ticket)).one().question.startswith("vad blir det")
        assert [r.method for r in session.exec(select(OutboxMessage)).all()] == ["topic", "message"]


def test_an_open_ticket_does_not_silence_the_bot_and_add_to_my_question_joins_it(
        tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge, group_chat_id=-100)
    conv.handle(Command(ANNA, "human", "vad blir det för väder i nyköping på lördag", update_id=1))
    answer = conv.handle(Text(ANNA, "finns det en kurs i projektledning för kulturprojekt", update_id=2)).replies[0]
    assert answer.card is not None and answer.card.entry_id == "projektledning-kultur"
    add = answer.buttons[-1][0]
    assert (add.label, add.data) == ("Lägg till i min fråga #1", "add:2")
    assert conv.handle(Press(ANNA, "add:2")).toast == "Tillagt i din fråga #1."
    with session_scope(conv.services.engine) as session:
        staff = [r.payload.get("text", "") for r in session.exec(select(OutboxMessage)).all()]
        assert any("projektledning" in text and "#1" in text for text in staff[2:])


def test_human_while_a_ticket_is_open_does_not_stay_armed(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge, group_chat_id=-100)
    conv.handle(Command(ANNA, "human", "vad blir det för väder i nyköping på lördag", update_id=1))
    assert "#1" in conv.handle(Command(ANNA, "human")).replies[0].text
    conv.handle(Press(ANNA, "tk:close:1"))
    answer = conv.handle(Text(ANNA, "finns det en kurs i projektledning för kulturprojekt", update_id=3))
    assert answer.replies[0].card is not None
    with session_scope(conv.services.engine) as session:
        assert len(session.exec(select(Ticket)).all()) == 1


def test_without_a_staff_group_an_escalation_is_noted_plainly_and_promises_no_ticket(
        tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)
    conv.handle(Text(ANNA, "vad blir det för väder i nyköping på lördag", update_id=1))
    turn = conv.handle(Press(ANNA, "esc:1"))
    told = " ".join(r.text for r in turn.replies)
    assert "noterat" in told and "#" not in told and not any(r.buttons for r in turn.replies)
    with session_scope(conv.services.engine) as session:
        need = session.exec(select(Need)).one()
        assert (need.decision, need.ticket_id) == ("escalate", None)
        assert session.exec(select(Ticket)).all() == []


def test_none_of_these_marks_a_clarified_need_as_escalated(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)
    rows = conv.handle(Text(ANNA, "subsidie voor een voorstelling in leiden?", update_id=1)).replies[0].buttons
    with session_scope(conv.services.engine) as session:
        assert session.exec(select(Need)).one().decision == "clarify"
    assert "noterat" in conv.handle(Press(ANNA, rows[-1][0].data or "")).replies[0].text
    with session_scope(conv.services.engine) as session:
        assert session.exec(select(Need)).one().decision == "escalate"


def test_asking_a_person_twice_for_one_question_opens_one_ticket(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge, group_chat_id=-100)
    turn = conv.handle(Text(ANNA, "hvem er kulturkonsulent i næstved", update_id=1))
    not_helpful = turn.replies[0].buttons[-1][1].data or ""
    ask = conv.handle(Press(ANNA, not_helpful)).replies[0].buttons[-1][0].data or ""
    first, again = conv.handle(Press(ANNA, ask)), conv.handle(Press(ANNA, ask))
    assert "#1" in first.replies[0].text and "#1" in again.replies[0].text
    with session_scope(conv.services.engine) as session:
        need = session.exec(select(Need)).one()
        assert (need.decision, need.ticket_id, need.feedback) == ("escalate", 1, "not_helpful")
        assert len(session.exec(select(Ticket)).all()) == 1


def test_the_profile_is_set_with_buttons_and_can_be_skipped(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)
    regions = conv.handle(Press(ANNA, "pf:c:se")).replies[0].buttons
    assert any(b.data == "pf:r:Flen" for row in regions for b in row)
    conv.handle(Press(ANNA, "pf:r:Flen"))
    saved = conv.handle(Press(ANNA, "pf:a:theatre")).replies[0].text
    assert "Flen" in saved and "Teater" in saved
    with session_scope(conv.services.engine) as session:
        actor = session.exec(select(Actor)).one()
        assert (actor.region, actor.art_form) == ("Flen", "theatre")
    assert conv.handle(Press(ANNA, "pf:skip")).replies[0].text


def test_browsing_pages_through_a_kind(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)
    first = conv.handle(Command(ANNA, "funding")).replies[0]
    assert "(1/" in first.text and first.buttons[-1][-1].data == "pg:funding:2"
    second = conv.handle(Press(ANNA, "pg:funding:2")).replies[0]
    assert "(2/" in second.text and second.replace


def test_browsing_by_profile_keeps_a_neighbouring_towns_fund_that_names_the_users_town(
        tmp_path: Path, knowledge: Knowledge) -> None:
    """Fonds 1818 is tagged Leiden and names Delft in its text: a Delft profile sees it, a Gouda one does not."""
    conv = conversation(tmp_path, knowledge)
    funding = list(knowledge.kb.of_kind("funding"))
    for town, shown in (("Delft", True), ("Gouda", False)):
        entries = browse.for_profile(conv.services, Actor(key="k", language="nl", region=town), funding)
        assert ("fonds-1818-cultuur" in {e.id for e in entries}) is shown, town


def test_deadlines_lists_the_next_sixty_days_soonest_first(tmp_path: Path, knowledge: Knowledge) -> None:
    text = conversation(tmp_path, knowledge).handle(Command(ANNA, "deadlines")).replies[0].text
    dates = [line.split(" — ")[0] for line in text.splitlines()[1:]]
    assert dates and dates == sorted(dates) and all("2027-03-10" <= d <= "2027-05-09" for d in dates)


def test_a_sticker_gets_a_short_localised_reply(tmp_path: Path, knowledge: Knowledge) -> None:
    reply = conversation(tmp_path, knowledge).handle(Media(ANNA, "sticker")).replies[0].text
    assert reply == "Jag kan bara läsa text. Skriv gärna din fråga i ett meddelande."


def forget_confirmed(conv: Conversation, sender: Sender = ANNA) -> str:
    """/forget, then the yes button it offers; the text of the reply."""
    asked = conv.handle(Command(sender, "forget")).replies[0]
    yes = asked.buttons[0][0]
    assert yes.data == "fg:yes"
    return conv.handle(Press(sender, yes.data, 5)).replies[0].text


def test_forget_asks_first_and_no_keeps_everything(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)
    conv.handle(Text(ANNA, "hvem er kulturkonsulent i næstved", update_id=1))
    asked = conv.handle(Command(ANNA, "forget")).replies[0]
    assert asked.text.startswith("Det här raderar dina frågor") and asked.text.endswith("Radera?")
    assert [b.label for b in asked.buttons[0]] == ["Ja, radera", "Nej, behåll"]
    assert conv.handle(Press(ANNA, "fg:no", 5)).replies[0].text == "Inget raderades."
    with session_scope(conv.services.engine) as session:
        assert [n.text for n in session.exec(select(Need)).all()] == ["hvem er kulturkonsulent i næstved"]


def test_forget_erases_the_users_texts_profile_and_tickets_and_keeps_anonymous_counts(
        tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge, group_chat_id=-100)
    conv.handle(Text(ANNA, "hvem er kulturkonsulent i næstved", update_id=1))
    conv.handle(Command(ANNA, "human", "vad blir det för väder i nyköping", update_id=2))
    other = Sender(2002, 2002, "en")
    conv.handle(Text(other, "finns det en kurs i projektledning", update_id=3))
    with session_scope(conv.services.engine) as session:  # the ticket's messages went out already
        rows = session.exec(select(OutboxMessage)).all()
        assert any("väder" in str(row.payload) for row in rows)
        for row in rows:
            row.state = "sent"
    forget_confirmed(conv)
    with session_scope(conv.services.engine) as session:
        needs = session.exec(select(Need).order_by(Need.id)).all()
        assert [(n.update_id, n.text, n.user_key) for n in needs][:2] == [(None, "", ""), (None, "", "")]
        assert needs[2].text == "finns det en kurs i projektledning"
        left = session.exec(select(Ticket)).all()  # a tombstone keeps the number and topic, nothing of theirs
        assert [(t.forgotten, t.user_key, t.question, t.subject, t.chat_id, t.tried) for t in left] == [
            (True, "", "", "", None, [])]
        assert len(session.exec(select(Actor)).all()) == 1
        assert not [row for row in session.exec(select(OutboxMessage)).all() if "väder" in str(row.payload)]


def test_forget_reports_how_many_of_the_users_questions_it_deleted(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge, group_chat_id=-100)
    for update_id, question in enumerate(("hvem er kulturkonsulent i næstved", "finns det en kurs i projektledning",
                                          "vad blir det för väder i nyköping"), start=1):  # the last opens a ticket
        conv.handle(Text(ANNA, question, update_id=update_id))
    for update_id in (11, 12):
        conv.handle(Text(Sender(2002, 2002, "en"), "kulturstipendium eskilstuna", update_id=update_id))
    assert forget_confirmed(conv).startswith("Klart: jag har raderat dina 3 frågor,")
    assert forget_confirmed(conv).startswith("Klart: jag har raderat dina 0 frågor,")


def test_a_profile_puts_the_users_own_municipality_first_among_options(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)
    firsts = []
    for user_id, town in ((1, "Eskilstuna"), (2, "Katrineholm")):
        sender = Sender(user_id, user_id, "sv")
        conv.handle(Press(sender, f"pf:r:{town}"))
        conv.handle(Press(sender, "pf:a:-"))
        options = conv.handle(Text(sender, "kulturstipendium", update_id=user_id)).replies[0].buttons
        firsts.append(options[0][0].label)
    assert "Eskilstuna" in firsts[0] and "Katrineholm" in firsts[1]


def test_every_button_fits_telegrams_64_bytes(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)
    turns = [conv.handle(Press(ANNA, f"pf:c:{country}")) for country in ("se", "dk", "nl")]
    turns += [conv.handle(Command(ANNA, name)) for name in ("funding", "contacts", "networks", "events", "courses",
                                                           "deadlines", "language", "profile")]
    turns += [conv.handle(Press(ANNA, f"pg:funding:{page}")) for page in range(1, 12)]
    data = [b.data for t in turns for r in t.replies for row in r.buttons for b in row if b.data]
    assert len(data) > 50 and all(len(d.encode()) <= 64 for d in data)


def test_profile_regions_list_the_region_before_its_municipalities_and_skipping_keeps_the_country(
        tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)
    rows = conv.handle(Press(ANNA, "pf:c:dk")).replies[0].buttons
    labels = [b.label for row in rows[:-1] for b in row]
    assert labels.index("Sjælland") < labels.index("Næstved") and rows[-1][0].data == "pf:r:dk"
    conv.handle(Press(ANNA, "pf:r:dk"))
    assert conv.handle(Press(ANNA, "pf:a:music")).replies[0].text == (
        "Tack! Din profil: Danmark, Musik. Ändra den när du vill med /profile.")


def test_a_detail_the_base_lacks_is_handed_over_with_the_related_entry_to_read_meanwhile(
        tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge, group_chat_id=-100)
    turn = conv.handle(Text(ANNA, "När sker utbetalningen av Konstnärsnämndens arbetsstipendium?", update_id=1))
    why, meanwhile, choice = turn.replies
    assert "inte just den detalj" in why.text
    assert meanwhile.text == "Under tiden kan det här hjälpa:"
    assert [b.data for row in meanwhile.buttons for b in row] == ["e:konstnarsnamnden-arbetsstipendium"]
    assert [b.label for b in choice.buttons[0]] == ["Fråga en människa", "Jag formulerar om"]
    assert "#1" in conv.handle(Press(ANNA, "esc:1")).replies[-1].text


def test_browsing_events_never_offers_one_that_is_over(tmp_path: Path, knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, knowledge)  # the clock says 2027-03-10
    past = {e.title.get("sv") for e in knowledge.kb.of_kind("event") if e.event_passed(datetime(2027, 3, 10).date())}
    assert past  # the reference base has events before that day
    offered: set[str] = set()
    page = 1
    while True:
        reply = conv.handle(Press(ANNA, f"pg:event:{page}")).replies[0]
        offered |= {b.label.lstrip("✓ ") for row in reply.buttons for b in row if b.data and b.data.startswith("bp:")}
        if not any(b.data == f"pg:event:{page + 1}" for row in reply.buttons for b in row):
            break
        page += 1
    assert offered and not any(label.startswith(title) for label in offered for title in past)  # a line starts with its title
