"""An event's calendar file: RFC 5545 text escaping and line folding, read back by an independent parser."""

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from bot.knowledge.entries import Entry, Kind, Source, Text
from bot.reminders.ics import escape, event_calendar, fold

ZONE = ZoneInfo("Europe/Stockholm")
NOW = datetime(2027, 1, 20, 8, 0, tzinfo=UTC)


def event(**fields: object) -> Entry:
    values: dict[str, object] = {
        "id": "kulturfrukost-flen", "kind": Kind.EVENT, "source": Source("event.yaml", 1),
        "title": Text({"sv": "Kulturfrukost; teater, dans och musik i Flen", "en": "Culture breakfast"}),
        "summary": Text({"sv": "Rad ett\nRad två med \\ och ö " + "å" * 60}),
        "starts": datetime(2027, 2, 4, 8, 0), "place": "Flens bibliotek, Storgatan 1",
        "url": "https://example.org/frukost?a=1,2"}
    values.update(fields)
    return Entry(**values)  # type: ignore[arg-type]


def test_text_values_escape_backslash_semicolon_comma_and_line_breaks() -> None:
    assert escape("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    line = "DESCRIPTION:" + "ö" * 100
    folded = fold(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert "".join(p[1:] if n else p for n, p in enumerate(pieces)) == line  # unfolding gives the line back


def test_the_file_parses_with_the_event_in_the_readers_language_at_its_local_time(tmp_path: Path) -> None:
    content = event_calendar(event(), language="sv", zone=ZONE, now=NOW)
    assert content.endswith("\r\n") and "\n" not in content.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in content.split("\r\n"))
    calendar = icalendar.Calendar.from_ical(content)
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Kulturfrukost; teater, dans och musik i Flen"
    assert str(vevent["DESCRIPTION"]) == "Rad ett\nRad två med \\ och ö " + "å" * 60
    assert str(vevent["LOCATION"]) == "Flens bibliotek, Storgatan 1"
    assert vevent.decoded("DTSTART") == datetime(2027, 2, 4, 7, 0, tzinfo=UTC)  # 08:00 in Sweden in winter
    assert str(vevent["UID"]) == "kulturfrukost-flen@kulturlots"
    assert str(vevent["URL"]) == "https://example.org/frukost?a=1,2"
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]


def test_a_whole_day_event_lasts_that_day() -> None:
    content = event_calendar(event(starts=date(2027, 6, 1), url="mailto:x@example.org"), language="en", zone=ZONE,
                             now=NOW)
    [vevent] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert vevent.decoded("DTSTART") == date(2027, 6, 1) and vevent.decoded("DTEND") == date(2027, 6, 2)
    assert str(vevent["SUMMARY"]) == "Culture breakfast"
    assert "URL" not in vevent  # only a web address is given as the event's link
