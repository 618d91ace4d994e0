"""The replies around a match, in one language: an answer card, options, and the offer of a person."""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation.cards import card
from bot.conversation.events import Button, Reply
from bot.knowledge.entries import Entry
from bot.matching.decisions import Match, Result
from bot.services import Services
from bot.storage.tables import Need

RELATED_SHARE = 0.8  # a best try within this share of clarify_min is on the topic: worth reading meanwhile
CHOSEN = "✓ "


@dataclass(frozen=True, slots=True)
class Replies:
    """Reply builders for one user's language, with the open ticket a new question may be added to."""

    services: Services
    language: str
    ticket: int | None = None  # the number of the user's open ticket

    def t(self, key: str, **params: object) -> str:
        return self.services.catalog(self.language, key, **params)

    def say(self, key: str, *, buttons: tuple[tuple[Button, ...], ...] = (), **params: object) -> Reply:
        return Reply(self.t(key, **params), buttons=buttons, language=self.language)

    def add_row(self, need: Need) -> tuple[tuple[Button, ...], ...]:
        """'Add to my question #N' under a reply, while a ticket is open: the user decides what belongs there."""
        if self.ticket is None:
            return ()
        return ((Button(self.t("button.add_to_ticket", number=self.ticket), f"add:{need.id}"),),)

    def answer(self, need: Need, entry: Entry) -> Reply:
        rows: list[tuple[Button, ...]] = []
        if entry.url:
            rows.append((Button(self.t("button.open_link"), url=entry.url),))
        rows.append((Button(self.t("button.helpful"), f"fb:{need.id}:y"),
                     Button(self.t("button.not_helpful"), f"fb:{need.id}:n")))
        return Reply(card=card(entry, language=self.language, today=self.services.today()),
                     buttons=(*rows, *self.add_row(need)), language=self.language)

    def options(self, need: Need, *, chosen: int | None = None, replace: bool = False) -> Reply:
        """The options of a need (those it logged), the chosen one marked, so a second is one tap away."""
        ids = [m["id"] for m in need.matches]  # one: an answer the matcher offers, unsure it says what was asked
        return self._listed(need, ids, "ch", chosen=chosen, replace=replace,
                            key="clarify.one" if len(ids) == 1 else "clarify.ask")

    def next_best(self, need: Need, ids: list[str], *, chosen: int | None = None, replace: bool = False) -> Reply:
        """After 'not what I needed': the next best entries, the chosen one marked, and a person."""
        return self._listed(need, ids, "nx", chosen=chosen, replace=replace, key="feedback.next")

    def _listed(self, need: Need, ids: list[str], prefix: str, *, chosen: int | None, replace: bool,
                key: str) -> Reply:
        kb = self.services.knowledge.kb
        rows = [(Button((CHOSEN if n == chosen else "") + kb.by_id[i].title.get(self.language),
                        f"{prefix}:{need.id}:{n}"),) for n, i in enumerate(ids) if i in kb.by_id]
        rows.append((Button(self.t("button.none_of_these"), f"esc:{need.id}"),))
        return Reply(self.t(key), buttons=(*rows, *self.add_row(need)), language=self.language,
                     replace=replace)

    def offer_person(self, need: Need, result: Result, *, off_topic: bool) -> tuple[Reply, ...]:
        """Why the bot cannot answer, the closest entry if it is related, and the choice: a person or rephrasing."""
        choice = ((Button(self.t("button.ask_person"), f"esc:{need.id}"),
                   Button(self.t("button.rephrase"), f"rp:{need.id}")), *self.add_row(need))
        if off_topic:
            return (self.say("escalate.off_topic", buttons=choice),)
        related = result.related or self._related_try(result)
        if related is None:
            return (self.say("escalate.no_match", buttons=choice),)
        entry = related.entry
        title = entry.title.get(self.language)
        key = "escalate.no_detail" if result.related is not None else "escalate.not_sure"
        return (self.say(key, title=title),
                self.say("escalate.meanwhile", buttons=((Button(title, f"e:{entry.id}"),),)),
                self.say("escalate.choose", buttons=choice))

    def _related_try(self, result: Result) -> Match | None:
        best = result.best
        floor = self.services.settings.matching.clarify_min * RELATED_SHARE
        return best if best is not None and best.score >= floor else None
