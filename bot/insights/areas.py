"""A network's own area: a region or municipality, its municipalities included, for exports and reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.matching.places import Gazetteer


class UnknownArea(ValueError):
    """A --region (or /report … NAME) the gazetteer does not know."""


@dataclass(frozen=True)
class Area:
    """The needs of one area: those whose profile place is the area or lies within it."""

    name: str  # as asked for ('Sörmland')
    place: str  # its canonical folded name in the gazetteer
    gazetteer: Gazetteer
    _seen: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def holds(self, region: str | None) -> bool:
        """Whether a profile's region or municipality ('Flen', 'Region Sörmland') lies in this area."""
        if not region:
            return False
        if (known := self._seen.get(region)) is None:
            place = self.gazetteer.lookup(region)
            known = self._seen[region] = place is not None and self.place in place.chain
        return known


def area_of(name: str, gazetteer: Gazetteer) -> Area:
    """The area a name means ('Sörmland', 'sormlands', 'Leiden'); UnknownArea when no place goes by it."""
    place = gazetteer.lookup(name.strip())
    if place is None:
        raise UnknownArea(f"no known region or municipality is called {name.strip()!r}")
    return Area(name=name.strip(), place=place.name, gazetteer=gazetteer)
