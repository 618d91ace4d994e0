"""Reminders' table: who asked to hear about deadlines or new events, and where to reach them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from bot.storage.tables import UtcDateTime, utcnow


class Topic(StrEnum):
    """What a person can subscribe to: funding deadlines that fit their profile, or new events in their region."""

    DEADLINES = "deadlines"
    EVENTS = "events"


class Subscription(SQLModel, table=True):
    """One person's yes to one topic; removed by the reminder's own button, by /remind or by /forget."""

    user_key: str = Field(primary_key=True, max_length=64)
    topic: str = Field(primary_key=True, max_length=16)  # a Topic
    chat_id: int = Field(sa_type=BigInteger)  # where the reminders go; never shown
    known: list[str] = Field(default_factory=list, sa_column=Column(JSON))  # events in the base at the yes: not new
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)

    def snapshot(self) -> dict[str, Any]:
        """What /mydata shows of it."""
        return {"topic": self.topic, "since": self.created_at.isoformat()}
