"""An event as an iCalendar file (RFC 5545): one VEVENT, texts escaped, lines folded at 75 octets, CRLF endings."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.knowledge.entries import Entry

PRODID = "-//Kulturlots//Reminders//EN"
LINE_OCTETS = 75  # RFC 5545 3.1: lines SHOULD NOT be longer than 75 octets, excluding the line break
CRLF = "\r\n"


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, line breaks as \\n."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return re.sub(r"\r\n|\r|\n", "\\\\n", text)


def fold(line: str) -> str:
    """A content line cut into pieces of at most 75 octets, each continued by CRLF and one space (RFC 5545 3.1);
    a UTF-8 character is never split."""
    pieces: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            pieces.append(current)
            current, size, limit = "", 0, LINE_OCTETS - 1  # the leading space of a continuation counts
        current += char
        size += octets
    pieces.append(current)
    return (CRLF + " ").join(pieces)


def _utc(moment: datetime, zone: ZoneInfo) -> str:
    """A local time of the event's zone (as the base writes it) as UTC, so no VTIMEZONE is needed."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    return aware.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event_calendar(entry: Entry, *, language: str, zone: ZoneInfo, now: datetime) -> str:
    """The event's calendar file, in the reader's language where the base has it."""
    starts = entry.starts
    if starts is None:
        raise ValueError(f"event {entry.id} has no start")
    if isinstance(starts, datetime):
        when = [f"DTSTART:{_utc(starts, zone)}"]
    else:  # a whole day: DTEND is the next day, exclusive (RFC 5545 3.6.1)
        when = [f"DTSTART;VALUE=DATE:{starts:%Y%m%d}", f"DTEND;VALUE=DATE:{starts + timedelta(days=1):%Y%m%d}"]
    place = entry.place or entry.municipality
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             "BEGIN:VEVENT", f"UID:{entry.id}@kulturlots", f"DTSTAMP:{_utc(now, zone)}", *when,
             f"SUMMARY:{escape(entry.title.get(language))}"]
    if entry.summary is not None:
        lines.append(f"DESCRIPTION:{escape(entry.summary.get(language))}")
    if place:
        lines.append(f"LOCATION:{escape(place)}")
    if entry.url and re.match(r"(?i)https?://\S+$", entry.url.strip()):
        lines.append(f"URL:{entry.url.strip()}")  # a URI value: not escaped as text
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + CRLF for line in lines)


def filename(entry: Entry) -> str:
    """The attachment's name: the entry's id, which is ASCII and unique."""
    return f"{entry.id}.ics"


def day_of(starts: datetime | date) -> date:
    """The event's day, for its reminder's key: a moved event is announced again."""
    return starts.date() if isinstance(starts, datetime) else starts
