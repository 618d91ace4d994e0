"""/remind: deadline reminders and new events switched on or off with one tap each; a reminder's own button stops it."""

from __future__ import annotations

from sqlmodel import Session

from bot.conversation import profile
from bot.conversation.browse import COUNTRIES
from bot.conversation.events import Button, Press, Reply, Turn
from bot.reminders.subscriptions import subscribe, topics_of, unsubscribe
from bot.services import Services
from bot.storage.reminder_tables import Topic
from bot.storage.tables import Actor


class Reminding:
    """The reminder menu and its buttons; what is due and when is bot/reminders' business."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def t(self, actor: Actor, key: str, **params: object) -> str:
        return self.services.catalog(actor.language, key, **params)

    def menu(self, session: Session, actor: Actor, *, replace: bool = False) -> Turn:
        """Both topics with their state; without a place in the profile, the profile comes first."""
        if not actor.region:
            return Turn((Reply(self.t(actor, "remind.need_profile"), language=actor.language),
                         profile.ask_country(self.services, actor)))
        return Turn((self._menu(session, actor, replace=replace),))

    def _menu(self, session: Session, actor: Actor, *, replace: bool) -> Reply:
        on = topics_of(session, actor.key)
        days = " / ".join(str(d) for d in sorted(self.services.settings.reminders.days_before, reverse=True))
        region = self.t(actor, f"country.{actor.region}") if actor.region in COUNTRIES else actor.region
        art = self.t(actor, f"art.{actor.art_form}") if actor.art_form else self.t(actor, "remind.every_art")
        rows = tuple((Button(self.t(actor, f"remind.{topic}_{'on' if topic in on else 'off'}"), f"rm:t:{topic}"),)
                     for topic in Topic)
        text = self.t(actor, "remind.menu", region=region, art_form=art, days=days)
        return Reply(text, buttons=rows, language=actor.language, replace=replace)

    def press(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        """rm:t:TOPIC switches from the menu (redrawn in place); rm:off:TOPIC stops it from a reminder."""
        action, _, name = rest.partition(":")
        if name not in tuple(Topic) or action not in ("t", "off"):
            return None
        topic = Topic(name)
        if action == "off":
            unsubscribe(session, user_key=actor.key, topic=topic)
            return Turn((Reply(self.t(actor, f"remind.stopped_{topic}"), language=actor.language),))
        if not actor.region:
            return self.menu(session, actor)
        if unsubscribe(session, user_key=actor.key, topic=topic):
            toast = self.t(actor, f"remind.stopped_{topic}")
        else:
            subscribe(session, user_key=actor.key, chat_id=event.sender.chat_id, topic=topic,
                      kb=self.services.knowledge.kb)
            session.flush()
            toast = self.t(actor, f"remind.started_{topic}")
        return Turn((self._menu(session, actor, replace=True),), toast=toast)
