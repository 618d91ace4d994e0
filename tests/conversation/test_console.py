"""The console renders the same conversation as text, with buttons as numbered choices."""

import io
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from bot.config import Settings
from bot.conversation.console import console_sender, run
from bot.conversation.dialogue import Conversation
from bot.services import Knowledge, build_services
from bot.storage.database import open_database, session_scope
from bot.storage.tables import Need
from tests.databases import url_for

KB = Path(__file__).parents[1] / "data" / "kb"


def test_a_question_an_answer_and_a_numbered_feedback_button(tmp_path: Path, reference_knowledge: Knowledge) -> None:
    services = build_services(Settings(), engine=open_database(url_for(tmp_path / 'c.db')), secret=b"c",
                              knowledge=reference_knowledge,
                              clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    out = io.StringIO()
    run(Conversation(services), stdin=io.StringIO("hvem er kulturkonsulent i næstved\n2\n"), stdout=out)
    text = out.getvalue()
    assert "KULTURKONSULENT, NÆSTVED KOMMUNE" in text
    assert "  → Åbn hjemmesiden: https://" in text and "  [2] 👎 Ikke det, jeg søgte" in text
    assert "  [3] Ja, Dansk" in text  # asked in Danish: answered in Danish, with the offer to switch
    assert "Perhaps one of these fits better?" in text and "None of these" in text
    with session_scope(services.engine) as session:
        need = session.exec(select(Need)).one()
        assert (need.channel, need.feedback) == ("console", "not_helpful")


def test_options_and_pages_are_numbered_choices_and_a_number_picks_one(tmp_path: Path,
                                                                       reference_knowledge: Knowledge) -> None:
    services = build_services(Settings(), engine=open_database(url_for(tmp_path / 'c.db')), secret=b"c",
                              knowledge=reference_knowledge,
                              clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    out = io.StringIO()
    lines = "/language\n3\nsubsidie voor een voorstelling in leiden?\n1\n/funding\n6\n"
    run(Conversation(services), stdin=io.StringIO(lines), stdout=out)
    text = out.getvalue()
    assert "Ik schrijf vanaf nu in het Nederlands." in text
    clarify = text.split("Welke bedoel je?", 1)[1]
    first_option = clarify.split("  [1] ")[1].splitlines()[0]
    assert f"\n{first_option.upper()}\n" in clarify  # picking 1 showed that entry's card
    assert text.index("Subsidies en fondsen (1/") < text.index("Subsidies en fondsen (2/")  # 6 = the first page's "next" button
    with session_scope(services.engine) as session:
        need = session.exec(select(Need)).one()
        assert need.chosen_id is not None and need.decision == "clarify"


def test_the_console_speaks_the_terminals_language_where_it_can() -> None:
    assert [console_sender({"LANG": lang}).language_code for lang in ("sv_SE.UTF-8", "nl_NL", "C.UTF-8", "")] == [
        "sv-SE", "nl-NL", None, None]
    assert console_sender({"LC_ALL": "da_DK.UTF-8", "LANG": "en_GB.UTF-8"}).language_code == "da-DK"
