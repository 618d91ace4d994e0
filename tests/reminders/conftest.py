"""A small base with deadlines and events in two countries, for the reminder round and its end-to-end tests."""

from collections.abc import Mapping
from types import MappingProxyType

import pytest

REMINDER_BASE = {
    "funding.yaml": """\
        kind: funding
        entries:
          - id: sormland-teater-turne
            title: {sv: "Turnéstöd för teater i Sörmland", da: "Turnéstøtte til teater i Sörmland", en: "Touring grant"}
            summary: "Money for theatre groups in Sörmland that tour."
            regions: [se, Sörmland]
            art_forms: [theatre]
            deadline: 2027-03-15
          - id: sormland-musik
            title: "Music grant Sörmland"
            summary: "Money for music in Sörmland."
            regions: [se, Sörmland]
            art_forms: [music]
            deadline: 2027-03-15
          - id: naestved-talent
            title: {da: "Talentpuljen i Næstved", sv: "Talangpotten i Næstved", en: "Næstved talent fund"}
            summary: "Støtte til talentudvikling i Næstved."
            regions: [dk, Næstved]
            deadline: 2027-03-20
          - id: rullande-stod
            title: "Rolling grant"
            summary: "Apply any time."
            regions: [se]
            deadline: rolling
        """,
    "event.yaml": """\
        kind: event
        entries:
          - id: kulturfrukost-flen-2027
            title: {sv: "Kulturfrukost i Flen", da: "Kulturmorgenmad i Flen", en: "Culture breakfast in Flen"}
            summary: "Frukost, nyheter och nätverk; för kulturaktörer."
            regions: [se, Sörmland, Flen]
            starts: 2027-04-08T08:00
            place: "Flens bibliotek"
        """,
}

NEW_EVENT = """\
  - id: naestved-netvaerk-2027
    title: {da: "Netværksmøde i Næstved", en: "Network meeting in Næstved"}
    summary: "Mød andre, der arbejder med talent; kaffe og kage."
    regions: [dk, Næstved]
    starts: 2027-05-06T10:00
    place: "Næstved Musikskole, Farimagsvej 10"
  - id: leiden-netwerk-2027
    title: "Netwerkbijeenkomst Leiden"
    summary: "Voor scholen in Leiden."
    regions: [nl, Leiden]
    starts: 2027-05-10T15:00
"""


@pytest.fixture(scope="session")
def reminder_base() -> Mapping[str, str]:
    """Two Sörmland funds (theatre, music), one in Næstved, a rolling one, and an event in Flen."""
    return MappingProxyType(REMINDER_BASE)


@pytest.fixture(scope="session")
def grown_base() -> Mapping[str, str]:
    """The same base with two events added later: one in Næstved, one in Leiden."""
    lines = "".join(" " * 8 + line + "\n" for line in NEW_EVENT.splitlines())  # the base's own indentation
    return MappingProxyType({**REMINDER_BASE, "event.yaml": REMINDER_BASE["event.yaml"].rstrip(" ") + lines})
