"""The fields an entry may have and how each value is checked; shared by the YAML loader and the spreadsheet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from bot.knowledge.entries import ROLLING, KnowledgeError, Text
from bot.languages import LANGUAGES

TEXT_FIELDS = ("title", "summary", "answer", "amount", "how_to_join")  # one text, or one per language
LIST_FIELDS = ("keywords", "questions", "regions", "art_forms", "audience")
STRING_FIELDS = ("url", "organisation", "role", "municipality", "email", "phone", "place")
DATE_FIELDS = ("deadline", "next_deadline", "starts", "reviewed")
NUMBER_FIELDS = ("review_after_days",)
KNOWN_FIELDS = frozenset(("id", *TEXT_FIELDS, *LIST_FIELDS, *STRING_FIELDS, *DATE_FIELDS, *NUMBER_FIELDS))
FIELD_ORDER = ("id", "title", "summary", "answer", "keywords", "questions", "regions", "art_forms", "url",
               "organisation", "amount", "deadline", "next_deadline", "audience", "role", "municipality", "email",
               "phone", "starts", "place", "how_to_join", "reviewed", "review_after_days")

Fail = Callable[..., KnowledgeError]  # fail(message, sub=None): an error located at the field (or a key in it)


def required_fields(kind: str) -> tuple[str, str]:
    """Title and the text a user is told: a faq's answer, every other kind's summary."""
    return ("title", "answer" if kind == "faq" else "summary")


def parse_field(name: str, value: Any, fail: Fail) -> Any:
    """The entry value of one raw field; raises the located error `fail` makes."""
    if name in TEXT_FIELDS:
        return _text(value, fail)
    if name in LIST_FIELDS:
        return _strings(value, fail)
    if name == "deadline":
        return _deadline(value, fail)
    if name == "starts":
        return _starts(value, fail)
    if name in ("reviewed", "next_deadline"):
        return _date(value, fail)
    if name in NUMBER_FIELDS:
        return _days(value, fail)
    if name == "phone" and isinstance(value, (int, float)):
        raise fail("write the phone number in quotes, or YAML drops its leading 0")
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise fail(f"expected text, got {type(value).__name__}")
    return str(value)


def blank(value: Any) -> bool:
    return value is None or value == {} or (isinstance(value, str) and not value.strip())


def _text(value: Any, fail: Fail) -> Text:
    if isinstance(value, str) and value.strip():
        return Text({"": value.strip()})
    if isinstance(value, str):
        raise fail("must not be empty")
    if isinstance(value, dict) and value:
        for lang, text in value.items():
            if lang not in LANGUAGES:
                raise fail(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}", sub=lang)
            if not isinstance(text, str) or not text.strip():
                raise fail(f"the {lang} text must be a non-empty string", sub=lang)
        return Text({lang: text.strip() for lang, text in value.items()})
    raise fail(f"expected text or a mapping of language to text, got {type(value).__name__}")


def _strings(value: Any, fail: Fail) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise fail(f"expected a list, got {type(value).__name__}")
    for item in value:
        if not isinstance(item, (str, int)) or isinstance(item, bool):
            raise fail(f"list items must be text, got {type(item).__name__}")
    return tuple(str(item) for item in value)


def _date(value: Any, fail: Fail) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise fail(f"{value!r} is not a date (YYYY-MM-DD)")


def _deadline(value: Any, fail: Fail) -> date | str:
    if value == ROLLING:
        return ROLLING
    try:
        return _date(value, fail)
    except KnowledgeError:
        raise fail(f"{value!r} is not a date (YYYY-MM-DD) or the word 'rolling'") from None


def _starts(value: Any, fail: Fail) -> datetime | date:
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            pass
    raise fail(f"{value!r} is not a date or date-time (YYYY-MM-DDTHH:MM)")


def _days(value: Any, fail: Fail) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise fail(f"{value!r} is not a number of days (a whole number above 0)")
