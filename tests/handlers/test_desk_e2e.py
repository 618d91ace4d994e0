"""The desk as staff use it from a phone, end to end: topics follow tickets, the staff menu, cards people
read, nothing dropped silently, /forget reaching the staff group, one rating per ticket."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.desk.commands import STAFF_COMMANDS
from bot.storage.database import session_scope
from bot.storage.tables import Ticket
from tests.emulator import BotApiEmulator
from tests.handlers.test_tickets_e2e import GROUP, STAFF, Start, escalate, in_group, start  # noqa: F401 (fixture)

FLYGEL = "Hej! Hvor kan vores musikskole låne et flygel til koncerten i maj?"
KEY_WORDS = "musikskole låne flygel koncerten maj"


async def card_of(emulator: BotApiEmulator, number: int) -> dict[str, object]:
    return (await emulator.wait_for(lambda: in_group(emulator, f"#{number} ·")))[0]


async def test_closing_and_reopening_close_and_reopen_the_topic_named_by_the_questions_key_words(
        emulator: BotApiEmulator, start: Start) -> None:
    async with start():
        staff, group = emulator.user(STAFF), emulator.chats.get(GROUP)
        number = await escalate(emulator, 520, f"/human {FLYGEL}")
        thread = int((await card_of(emulator, number))["message_thread_id"])  # type: ignore[call-overload]
        group = emulator.chats[GROUP]
        assert group.topics[thread] == f"#{number} — {KEY_WORDS}"
        await staff.send_in(group, "/close", thread_id=thread)
        await emulator.wait_for(lambda: thread in group.closed_topics)
        assert group.topics[thread] == f"✅ #{number} — {KEY_WORDS}"
        await staff.send_in(group, "/reopen", thread_id=thread)
        await emulator.wait_for(lambda: thread not in group.closed_topics)
        assert group.topics[thread] == f"#{number} — {KEY_WORDS}"


async def test_a_users_own_close_closes_the_topic_too(emulator: BotApiEmulator, start: Start) -> None:
    async with start():
        user = emulator.user(521, language_code="sv")
        number = await escalate(emulator, 521, f"/human {FLYGEL}")
        thread = int((await card_of(emulator, number))["message_thread_id"])  # type: ignore[call-overload]
        receipt = next(m for m in user.messages if f"#{number}" in m["text"])
        await user.press(receipt, f"tk:close:{number}")
        group = emulator.chats[GROUP]
        await emulator.wait_for(lambda: thread in group.closed_topics)
        assert group.topics[thread].startswith(f"✅ #{number} — ")


async def test_the_staff_group_has_its_own_command_menu_and_help_lists_it(emulator: BotApiEmulator,
                                                                         start: Start) -> None:
    async with start():
        menu = await emulator.wait_for(lambda: emulator.commands.get((f"chat:{GROUP}", "")))
        assert [c["command"] for c in menu] == list(STAFF_COMMANDS)
        assert menu[0]["description"] == "Open tickets, oldest first, with age and assignee"  # staff.language: en
        staff_only = set(STAFF_COMMANDS) - {"help"}
        for scope, commands in emulator.commands.items():
            if scope[0] != f"chat:{GROUP}":
                assert not staff_only & {c["command"] for c in commands}, scope
        await emulator.user(STAFF).send_in(emulator.chats[GROUP], "/help")
        listing = (await emulator.wait_for(lambda: in_group(emulator, "Staff commands")))[0]["text"]
        lines = listing.splitlines()[1:]
        assert [line.split(" — ")[0] for line in lines] == [f"/{name}" for name in STAFF_COMMANDS]


async def test_the_card_reads_as_words_and_never_shows_entry_ids_or_scores(emulator: BotApiEmulator,
                                                                          start: Start) -> None:
    async with start() as services:
        number = await escalate(emulator, 522, "/human finns det något stipendium för teaterturné i Flen")
        card = str((await card_of(emulator, number))["text"])
        with session_scope(services.engine) as session:
            tried = session.exec(select(Ticket).where(Ticket.id == number)).one().tried
        assert tried, "the bot tried entries: the card must show them"
        kb = services.knowledge.kb
        for match in tried:
            assert match["id"] not in card
            assert f"• {kb.by_id[match['id']].title.get('en')} (" in card
        assert not re.search(r"\d\.\d\d", card)
        assert "· Swedish ·" in card and "finns det något stipendium" in card
        assert re.search(r"\((close|partly fits|far off)\)", card)


async def test_open_work_lists_oldest_first_with_a_link_to_each_topic_and_whole_words(
        emulator: BotApiEmulator, start: Start) -> None:
    long_question = ("/human vi är en liten fri teatergrupp som undrar över möjligheterna att få stöd för "
                     "internationella samarbetsprojekt tillsammans med scenkonstnärer")
    async with start():
        staff = emulator.user(STAFF, first_name="Sara")
        first = await escalate(emulator, 523, long_question)
        second = await escalate(emulator, 524, f"/human {FLYGEL}")
        thread = int((await card_of(emulator, first))["message_thread_id"])  # type: ignore[call-overload]
        await staff.send_in(emulator.chats[GROUP], "/assign me", thread_id=thread)
        await emulator.wait_for(lambda: in_group(emulator, "assigned to Sara"))
        await staff.send_in(emulator.chats[GROUP], "/tickets")
        listing = (await emulator.wait_for(lambda: in_group(emulator, "Open tickets")))[0]["text"]
        assert listing.index(f"#{first} ·") < listing.index(f"#{second} ·")
        assert f"https://t.me/c/{str(GROUP)[4:]}/{thread}" in listing
        line = next(x for x in listing.splitlines() if x.startswith(f"#{first} ·"))
        assert line.startswith(f"#{first} · 0 h · Sara · ")
        subject = line.split(" · ", 3)[3]
        assert subject.endswith("…")
        assert all(word in long_question for word in subject.rstrip("…").split())  # no word cut in half


async def test_a_staff_message_in_a_closed_topic_is_answered_not_dropped(emulator: BotApiEmulator,
                                                                        start: Start) -> None:
    async with start():
        staff, user = emulator.user(STAFF), emulator.user(525, language_code="sv")
        number = await escalate(emulator, 525, f"/human {FLYGEL}")
        thread = int((await card_of(emulator, number))["message_thread_id"])  # type: ignore[call-overload]
        group = emulator.chats[GROUP]
        await staff.send_in(group, "/close", thread_id=thread)
        await emulator.wait_for(lambda: thread in group.closed_topics)
        await staff.send_in(group, "Ett sista tips: prova kulturskolan.", thread_id=thread)
        notice = await emulator.wait_for(lambda: in_group(emulator, "Not delivered", thread))
        assert notice[0]["text"] == f"Not delivered: #{number} is closed. /reopen to send it."
        assert not any("kulturskolan" in m["text"] for m in user.messages)


async def test_forget_empties_the_users_topics_and_staff_messages_there_are_answered(emulator: BotApiEmulator,
                                                                                    start: Start) -> None:
    async with start():
        staff, user = emulator.user(STAFF), emulator.user(526, language_code="sv")
        number = await escalate(emulator, 526, f"/human {FLYGEL}")
        thread = int((await card_of(emulator, number))["message_thread_id"])  # type: ignore[call-overload]
        await staff.send_in(emulator.chats[GROUP], "Vilken sorts instrument?", thread_id=thread)
        relayed = await emulator.wait_for(lambda: next((m for m in user.messages if "Vilken sorts" in m["text"]), None))
        await user.reply(relayed, "och en pianostämmare, tack")  # a reply to the team's answer joins the ticket
        await emulator.wait_for(lambda: in_group(emulator, "pianostämmare", thread))
        await user.send("/forget")
        asked = await emulator.wait_for(lambda: next((m for m in user.messages if "fg:yes" in str(m.get("reply_markup"))),
                                                     None))
        await user.press(asked, "fg:yes")  # /forget asks first
        group = emulator.chats[GROUP]
        notice = await emulator.wait_for(lambda: in_group(emulator, "deleted their data", thread))
        assert len(notice) == 1
        await emulator.wait_for(lambda: thread in group.closed_topics)
        assert group.topics[thread] == f"#{number} — deleted by the user"
        await emulator.wait_for(lambda: not any("flygel" in str(m.get("text", "")) or "pianostämmare" in
                                                str(m.get("text", "")) for m in group.messages.values()))
        await staff.send_in(group, "Hej igen!", thread_id=thread)
        answer = await emulator.wait_for(lambda: in_group(emulator, "Not delivered", thread))
        assert answer[0]["text"] == f"Not delivered: the person deleted their data (#{number})."


async def test_a_ticket_is_rated_once_however_often_it_is_reopened_and_closed(emulator: BotApiEmulator,
                                                                             start: Start) -> None:
    async with start() as services:
        staff, user = emulator.user(STAFF), emulator.user(527, language_code="sv")
        number = await escalate(emulator, 527, f"/human {FLYGEL}")
        thread = int((await card_of(emulator, number))["message_thread_id"])  # type: ignore[call-overload]
        group = emulator.chats[GROUP]
        await staff.send_in(group, "/close", thread_id=thread)
        rating = await emulator.wait_for(lambda: next((m for m in user.messages if "(1 =" in m["text"]), None))
        await user.press(rating, f"tk:rate:{number}:4")
        await emulator.wait_for(lambda: rating["text"] == "Tack för ditt betyg!")  # edited in place
        await staff.send_in(group, "/reopen", thread_id=thread)
        await emulator.wait_for(lambda: in_group(emulator, "open again", thread))
        await staff.send_in(group, "/close", thread_id=thread)
        again = await emulator.wait_for(lambda: next((m for m in user.messages if "avslutad igen" in m["text"]), None))
        assert "reply_markup" not in again and not any("(1 =" in m["text"] for m in user.messages)
        await user.press(rating, f"tk:rate:{number}:1")  # the first keyboard, pressed once more
        await emulator.idle()
        with session_scope(services.engine) as session:
            assert session.exec(select(Ticket).where(Ticket.id == number)).one().rating == 4


async def test_stats_count_small_talk_and_off_topic_apart_and_never_as_unmet_needs(emulator: BotApiEmulator,
                                                                                  start: Start) -> None:
    async with start():
        chat = ("hej hej!", "hej!", "vad blir det för väder i nyköping på lördag", "blir det väder i nyköping")
        for number, text in enumerate(chat):  # small talk and off-topic: answered, never a ticket
            user = emulator.user(530 + number, language_code="sv")
            await user.send(text)
            await emulator.wait_for(lambda user=user: user.messages)
        for number, text in enumerate((f"/human {FLYGEL}", "/human hvor kan musikskolen låne et flygel")):
            await escalate(emulator, 534 + number, text)
        await emulator.user(STAFF).send_in(emulator.chats[GROUP], "/stats 2027-03")
        stats = (await emulator.wait_for(lambda: in_group(emulator, "2027-03:")))[0]["text"]
        assert stats.startswith("2027-03: 6 questions, of which 2 needs (2 small talk, 2 outside our scope).")
        assert "to a person 100 %" in stats
        unmet = [line for line in stats.split("Top unmet needs:")[1].strip().splitlines() if line.startswith("•")]
        assert len(unmet) == 1 and unmet[0].startswith("• 2×") and "flygel" in unmet[0]


async def test_a_saved_reply_is_kept_from_a_staff_answer_and_sent_in_another_topic(emulator: BotApiEmulator,
                                                                                   start: Start) -> None:
    answer = "Prova Kulturhuset i Flen: de hyr ut replokaler, boka via kommunen."
    async with start():
        staff, group = emulator.user(STAFF), emulator.chats.get(GROUP)
        first = await escalate(emulator, 540, "/human vi behöver en replokal i flen")
        group = emulator.chats[GROUP]
        thread = int((await card_of(emulator, first))["message_thread_id"])  # type: ignore[call-overload]
        said = await staff.send_in(group, answer, thread_id=thread)
        await staff.send_in(group, "/reply save replokal", thread_id=thread, reply_to=said["message"]["message_id"])
        await emulator.wait_for(lambda: in_group(emulator, "Saved “replokal” (sv)", thread))
        second = await escalate(emulator, 541, "/human replokal för vår kör i flen?")
        other = int((await card_of(emulator, second))["message_thread_id"])  # type: ignore[call-overload]
        await staff.send_in(group, "/reply replokal", thread_id=other)
        await emulator.wait_for(lambda: in_group(emulator, f"Sent “replokal” to #{second}.", other))
        received = await emulator.wait_for(lambda: [m["text"] for m in emulator.user(541).messages
                                                    if "Svar från teamet" in m["text"]])
        assert received == [f"Svar från teamet (#{second}):\n{answer}"]
        await staff.send_in(group, "/reply list")
        await emulator.wait_for(lambda: in_group(emulator, "Saved replies:\n• replokal (sv)"))
        await staff.send_in(group, "/reply kontrakt", thread_id=other)
        await emulator.wait_for(lambda: in_group(emulator, "No saved reply is called “kontrakt”", other))
