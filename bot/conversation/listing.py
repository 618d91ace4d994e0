"""/listme: the actor builds their card step by step, sees it, and only then lists it; later edits, hides, removes."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlmodel import Session

from bot.contact import directory, introductions
from bot.contact.directory import CardError
from bot.contact.render import card_text
from bot.conversation.events import Button, Reply, Sender, Turn
from bot.conversation.profile import ART_FORMS
from bot.languages import LANGUAGES
from bot.services import Services
from bot.storage.tables import Actor

STATE = "listme"


class Listing:
    """The card builder; its draft lives in the actor's conversation state until they list it."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def start(self, session: Session, actor: Actor) -> Turn:
        """/listme: their card with what they can do with it, or the first question of a new one."""
        card = directory.card_of(session, actor.key)
        t = partial(self.services.catalog, actor.language)
        if card is None:
            return self.restart(actor)
        toggle = Button(t("contact.hide"), "kl:hide") if card.listed else Button(t("contact.show"), "kl:show")
        status = t("contact.status_listed" if card.listed else "contact.status_hidden")
        rows = ((Button(t("contact.edit"), "kl:edit"), toggle), (Button(t("contact.remove"), "kl:remove"),))
        return Turn((Reply(f"{card_text(card, t)}\n\n{status}", buttons=rows, language=actor.language),))

    def restart(self, actor: Actor) -> Turn:
        draft = {"step": "name", "arts": [actor.art_form] if actor.art_form else [], "langs": [actor.language]}
        actor.conversation = {**actor.conversation, STATE: draft}
        return self._say(actor, "contact.ask_name")

    def _say(self, actor: Actor, key: str, *, buttons: tuple[tuple[Button, ...], ...] = (), replace: bool = False,
             **params: Any) -> Turn:
        text = self.services.catalog(actor.language, key, **params)
        return Turn((Reply(text, buttons=buttons, language=actor.language, replace=replace),))

    def text(self, session: Session, actor: Actor, sender: Sender, text: str) -> Turn:
        """A typed answer to the step the draft is at; bad input is explained and the draft kept."""
        draft = dict(actor.conversation.get(STATE) or {})
        step = draft.get("step")
        try:
            if step == "name":
                draft.update(name=directory.clean_name(text), step="arts")
                return self._keep(actor, draft, self._arts(actor, draft))
            if step == "place":
                directory.home_place(self.services.language.gazetteer, text)
                draft.update(place=text.strip(), step="langs")
                return self._keep(actor, draft, self._langs(actor, draft))
            if step == "line":
                draft.update(line=directory.clean_line(text), step="preview")
                return self._keep(actor, draft, self._preview(session, actor, sender, draft))
        except CardError as error:
            return self._say(actor, error.key)
        return self._say(actor, "contact.use_buttons")

    def _keep(self, actor: Actor, draft: dict[str, Any], turn: Turn) -> Turn:
        actor.conversation = {**actor.conversation, STATE: draft}
        return turn

    def _arts(self, actor: Actor, draft: dict[str, Any], *, replace: bool = False) -> Turn:
        t = partial(self.services.catalog, actor.language)
        chosen = set(draft.get("arts", []))
        labels = [Button(("✓ " if a in chosen else "") + t(f"art.{a}"), f"kl:art:{a}") for a in ART_FORMS]
        rows = [tuple(labels[i:i + 2]) for i in range(0, len(labels), 2)]
        rows.append((Button(t("contact.done"), "kl:arts"),))
        return self._say(actor, "contact.ask_arts", buttons=tuple(rows), replace=replace)

    def _langs(self, actor: Actor, draft: dict[str, Any], *, replace: bool = False) -> Turn:
        t = partial(self.services.catalog, actor.language)
        chosen = set(draft.get("langs", []))
        row = tuple(Button(("✓ " if c in chosen else "") + t(f"contact.lang_{c}"), f"kl:lang:{c}") for c in LANGUAGES)
        return self._say(actor, "contact.ask_langs", buttons=(row, (Button(t("contact.done"), "kl:langs"),)),
                         replace=replace)

    def _preview(self, session: Session, actor: Actor, sender: Sender, draft: dict[str, Any]) -> Turn:
        """The card as others would see it, saved but not listed until they press 'List me'."""
        card = directory.save_card(session, user_key=actor.key, chat_id=sender.chat_id, draft=draft,
                                   gazetteer=self.services.language.gazetteer)
        t = partial(self.services.catalog, actor.language)
        rows = ((Button(t("contact.list"), "kl:list"),), (Button(t("contact.edit"), "kl:edit"),
                                                          Button(t("contact.keep_hidden"), "kl:keep")))
        text = f"{t('contact.preview')}\n\n{card_text(card, t)}"
        return Turn((Reply(text, buttons=rows, language=actor.language),))

    def press(self, session: Session, actor: Actor, sender: Sender, rest: str) -> Turn | None:
        """The card builder's and the card's buttons."""
        action, _, value = rest.partition(":")
        draft = dict(actor.conversation.get(STATE) or {})
        if action in ("art", "lang") and draft:
            field, allowed = ("arts", ART_FORMS) if action == "art" else ("langs", LANGUAGES)
            if value not in allowed:
                return None
            chosen = list(draft.get(field, []))
            draft[field] = [c for c in chosen if c != value] if value in chosen else [*chosen, value]
            turn = self._arts(actor, draft, replace=True) if action == "art" else self._langs(actor, draft, replace=True)
            return self._keep(actor, draft, turn)
        if action == "arts" and draft.get("step") == "arts":
            if not draft.get("arts"):
                return self._say(actor, "contact.bad_arts")
            return self._keep(actor, {**draft, "step": "place"}, self._say(actor, "contact.ask_place"))
        if action == "langs" and draft.get("step") == "langs":
            return self._keep(actor, {**draft, "step": "line"}, self._say(actor, "contact.ask_line"))
        return self._card_action(session, actor, action)

    def _card_action(self, session: Session, actor: Actor, action: str) -> Turn | None:
        if action == "edit":
            return self.restart(actor)
        state = {k: v for k, v in actor.conversation.items() if k != STATE}
        if action in ("list", "show", "hide", "keep") and directory.card_of(session, actor.key) is not None:
            actor.conversation = state
            directory.set_listed(session, actor.key, action in ("list", "show"))
            return self._say(actor, "contact.listed" if action in ("list", "show") else "contact.hidden",
                             replace=True)
        if action == "remove":
            actor.conversation = state
            directory.remove_card(session, actor.key)
            introductions.withdraw(session, actor.key, texts=self.services.catalog, now=self.services.clock())
            return self._say(actor, "contact.removed", replace=True)
        return None
