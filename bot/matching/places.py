"""A small gazetteer: which places a question names, and whether an entry's regions cover them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from importlib import resources

import yaml

from bot.matching.text import Analyzer, fold_text, words

MAX_PHRASE = 4
HOME = frozenset({"se", "dk", "nl"})
GROUPS = frozenset({"nordic", "baltic"})  # groups of countries, wide as a country is


@dataclass(frozen=True, slots=True)
class Place:
    """A named area; `chain` runs from the place itself up to the widest area containing it."""

    name: str
    chain: tuple[str, ...]
    local: bool  # a region or municipality, not a country or wider
    leaf: bool   # nothing smaller is known inside it: a municipality
    home: bool   # in a country Kulturlots serves


class Fit(Enum):
    """How an entry's regions relate to the places a question names."""

    NEUTRAL = "neutral"   # no place named, or the entry is not tied to a place
    LOCAL = "local"       # the entry is for the very place the question names
    REGIONAL = "regional"  # the entry is for the region around the place
    COVERED = "covered"   # the entry covers the place at country level or wider
    ELSEWHERE = "elsewhere"  # the entry is for somewhere else


@dataclass(frozen=True)
class Gazetteer:
    """Known places by every name they go by, and how an entry's regions fit the places a question names."""

    places: Mapping[str, Place]  # folded name or alias -> place
    analyzer: Analyzer

    def lookup(self, name: str) -> Place | None:
        return self.places.get(self.analyzer.fold(name))

    def word(self, token: str) -> Place | None:
        """The place one word of a question names; a country's code ('it', 'at') is a tag, not a word one writes."""
        folded = self.analyzer.fold(token)
        return self.places.get(folded) if _written(folded) else None

    def find(self, text: str) -> tuple[Place, ...]:
        """The known places a text names, longest names first ('den haag' before 'haag')."""
        tokens = [self.analyzer.fold(w) for w in words(text)]
        found: dict[str, Place] = {}
        i = 0
        while i < len(tokens):
            longest = min(MAX_PHRASE, len(tokens) - i) if tokens[i] in self._phrase_starts else 1
            for n in range(longest, 0, -1):
                phrase = " ".join(tokens[i:i + n])
                place = self._phrase(phrase)
                if place is not None:
                    found[place.name] = place
                    i += n
                    break
            else:
                i += 1
        return tuple(found.values())

    @cached_property
    def _phrase_starts(self) -> frozenset[str]:
        """The first words of names of several words ('den' of 'den haag'): only there is a longer name tried."""
        return frozenset(alias.split(" ", 1)[0] for alias in self.places if " " in alias)

    def _phrase(self, phrase: str) -> Place | None:
        if not _written(phrase):
            return None
        place = self.places.get(phrase)
        if place is None and phrase.endswith("s") and len(phrase) > 4:
            place = self.places.get(phrase[:-1])  # genitive: "norrköpings", "næstveds"
        return place

    def coverage(self, tags: Iterable[str]) -> tuple[Place, ...]:
        """An entry's most specific known regions: [se, Sörmland, Katrineholm] covers Katrineholm."""
        known = [p for p in (self.lookup(t) for t in tags) if p is not None]
        return tuple(p for p in known if not any(p.name in q.chain[1:] for q in known))

    def entry_coverage(self, tags: Sequence[str], texts: Iterable[str]) -> tuple[Place, ...]:
        """Coverage from an entry's region tags; a municipal entry also covers the neighbours its texts name.

        An entry tagged [Zuid-Holland, Leiden] whose summary says "Den Haag, Leiden, Delft" serves Delft
        too; a regional entry stays regional whatever towns its text mentions (an office address).
        """
        coverage = self.coverage(tags)
        if not any(p.leaf for p in coverage):
            return coverage
        regions = {p.name for p in (self.lookup(t) for t in tags) if p is not None and p.local and not p.leaf}
        text = f" {' '.join(words(fold_text(' '.join(texts))))} "
        named = {place.name for region in regions for alias, place in self._municipalities.get(region, ())
                 if f" {alias} " in text}
        return self.coverage([*tags, *sorted(named)]) if named else coverage

    @cached_property
    def _municipalities(self) -> dict[str, tuple[tuple[str, Place], ...]]:
        """Each region's municipalities by every name they go by, for reading entries' texts quickly."""
        within: dict[str, list[tuple[str, Place]]] = {}
        for alias, place in self.places.items():
            if place.leaf:
                for region in place.chain[1:]:
                    within.setdefault(region, []).append((" ".join(words(alias)), place))
        return {region: tuple(names) for region, names in within.items()}

    def fit(self, coverage: Sequence[Place], named: Sequence[Place]) -> Fit:
        """Whether an entry with `coverage` suits a question naming `named` places."""
        return self.fit_specific(coverage, self.specific(named))

    @staticmethod
    def specific(named: Sequence[Place]) -> tuple[Place, ...]:
        """The named places at home that no other named place lies in: what `fit_specific` compares with."""
        home = [p for p in named if p.home]  # abroad is a destination or a partner
        return tuple(p for p in home if not any(p.name in q.chain[1:] for q in home))

    @staticmethod
    def fit_specific(coverage: Sequence[Place], specific: Sequence[Place]) -> Fit:
        """`fit` with the question's places read once (`specific`), for ranking many entries against them."""
        if not coverage or not specific:
            return Fit.NEUTRAL
        best = Fit.ELSEWHERE
        for place in specific:
            for area in coverage:
                if area.name == place.name:
                    return Fit.LOCAL
                if area.name in place.chain:
                    fit = Fit.REGIONAL if area.local else Fit.COVERED
                elif place.name in area.chain:
                    fit = Fit.COVERED  # the question names a wider area than the entry's
                else:
                    continue
                if _FIT_RANK[fit] < _FIT_RANK[best]:
                    best = fit
        return best


def _written(name: str) -> bool:
    """Whether a name is one a person writes: country codes ('se', 'it') are tags of entries, not words."""
    return len(name) > 2


_FIT_RANK = {fit: rank for rank, fit in enumerate((Fit.LOCAL, Fit.REGIONAL, Fit.COVERED, Fit.NEUTRAL, Fit.ELSEWHERE))}


def load_gazetteer(analyzer: Analyzer) -> Gazetteer:
    """The gazetteer shipped with the code (bot/matching/data/places.yaml)."""
    text = resources.files("bot.matching").joinpath("data/places.yaml").read_text(encoding="utf-8")
    return gazetteer_from_tree(yaml.safe_load(text), analyzer)


def gazetteer_from_tree(tree: Mapping[str, object], analyzer: Analyzer) -> Gazetteer:
    """Places from a nested mapping: country → region → municipality, 'Name|alias|alias' keys."""
    fold = analyzer.fold
    places: dict[str, Place] = {}

    def walk(node: Mapping[str, object], parents: tuple[str, ...]) -> None:
        for key, children in node.items():
            names = [n.strip() for n in str(key).split("|")]
            canonical = fold(names[0])
            wide = len(canonical) <= 2 or not parents or canonical in GROUPS
            place = Place(name=canonical, chain=(canonical, *parents), local=not wide,
                          leaf=not isinstance(children, Mapping) or not children,
                          home=bool(HOME.intersection((canonical, *parents))))
            for name in names:
                places.setdefault(fold(name), place)
                places.setdefault(fold(name).replace("-", " "), place)
            if isinstance(children, Mapping):
                walk(children, place.chain)

    walk(tree, ())
    return Gazetteer(places=places, analyzer=analyzer)
