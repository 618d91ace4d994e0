"""The optional profile: country, then region or municipality, then art form, one keyboard at a time."""

from __future__ import annotations

from functools import partial

from bot.conversation import browse
from bot.conversation.browse import COUNTRIES
from bot.conversation.events import Button, Reply, Turn
from bot.services import Services
from bot.storage.tables import Actor

ART_FORMS = ("music", "theatre", "dance", "visual-arts", "literature", "film", "crafts", "heritage", "circus",
             "cross-disciplinary")


def ask_country(services: Services, actor: Actor) -> Reply:
    """The profile's first question: which country, or skip."""
    t = partial(services.catalog, actor.language)
    row = tuple(Button(t(f"country.{c}"), f"pf:c:{c}") for c in COUNTRIES)
    return Reply(t("profile.ask_country"), buttons=(row, (Button(t("button.skip"), "pf:skip"),)),
                 language=actor.language)


def step(services: Services, actor: Actor, rest: str) -> Turn | None:
    """One answer of the profile keyboard (country, region, art form, or skip) and the next question."""
    t = partial(services.catalog, actor.language)
    step, _, value = rest.partition(":")
    skip = (Button(t("button.skip"), "pf:a:-"),)
    if rest == "skip":
        actor.profile_asked = True
        return Turn((Reply(t("profile.skipped"), language=actor.language, replace=True),))
    if (step == "c" and value not in COUNTRIES) or (step == "r" and not known_region(services, value)):
        return None  # forged: only the places the keyboard offered are stored
    if step == "c":
        knowledge = services.knowledge
        regions = browse.regions_of(knowledge.kb, value, knowledge.matcher.index.gazetteer)
        rows = [tuple(Button(r, f"pf:r:{r}") for r in regions[i:i + 3]) for i in range(0, len(regions), 3)]
        rows.append((Button(t("button.skip"), f"pf:r:{value}"),))
        return Turn((Reply(t("profile.ask_region"), buttons=tuple(rows), language=actor.language,
                           replace=True),))
    if step == "r":
        actor.region = value
        rows = [tuple(Button(t(f"art.{a}"), f"pf:a:{a}") for a in ART_FORMS[i:i + 2])
                for i in range(0, len(ART_FORMS), 2)]
        return Turn((Reply(t("profile.ask_art"), buttons=(*rows, skip), language=actor.language,
                           replace=True),))
    if step == "a":
        actor.art_form = value if value in ART_FORMS else None
        actor.profile_asked = True
        region = t(f"country.{actor.region}") if actor.region in COUNTRIES else actor.region
        parts = [p for p in (region, t(f"art.{actor.art_form}") if actor.art_form else None) if p]
        profile = ", ".join(parts) or t("profile.none")
        return Turn((Reply(t("profile.saved", profile=profile), language=actor.language,
                           replace=True),))
    return None


def known_region(services: Services, value: str) -> bool:
    """A country code, or a region the keyboard of one of the countries offers."""
    knowledge = services.knowledge
    return value in COUNTRIES or any(value in browse.regions_of(knowledge.kb, country, knowledge.matcher.index.gazetteer)
                                     for country in COUNTRIES)
