"""Kontakt's search at scale: 10,000 cards in a SQLite file, searches for people timed one at a time.

    python benchmarks/bench_contact.py [--cards 10000] [--searches 2000] [--listed 0.7]

Cards get one or two art forms, a municipality of a country Kulturlots serves (from the gazetteer) and a line
naming a role; about 70 % are listed. Each search is a role-and-place question recognised as a user's text
would be, then answered with the first page of cards, as the conversation does. Target: p99 <= 5 ms at 10,000.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.contact import directory  # noqa: E402
from bot.contact.recognise import Recogniser  # noqa: E402
from bot.contact.search import DirectoryIndex  # noqa: E402
from bot.contact.vocabulary import load_vocabulary  # noqa: E402
from bot.matching.language_data import load_language_data  # noqa: E402
from bot.matching.text import fold_text, words  # noqa: E402
from bot.storage.contact_tables import ContactCard  # noqa: E402
from bot.storage.database import open_database, session_scope  # noqa: E402

ROLES = {"dance": ["koreograf", "dansare"], "music": ["ljudtekniker", "musiker"], "theatre": ["scenograf", "regissör"],
         "visual-arts": ["illustratör", "fotograf"], "literature": ["författare"], "film": ["filmare"]}
QUESTIONS = ["vi söker en {role} i {place}", "looking for a {role} in {place}", "någon {role} i {place}?"]
TARGET_P99_MS = 5.0


def seed(path: Path, *, cards: int, listed: float, draw: random.Random) -> list[str]:
    """Write the cards; return the municipalities used."""
    data = load_language_data()
    places = sorted({p.name for p in data.gazetteer.places.values() if p.home and p.leaf})
    engine = open_database(f"sqlite:///{path}")
    with session_scope(engine) as session:
        for n in range(cards):
            place = data.gazetteer.lookup(draw.choice(places))
            assert place is not None
            arts = draw.sample(sorted(ROLES), draw.choice((1, 1, 2)))
            line = f"{draw.choice(ROLES[arts[0]])} som gillar samarbete"
            session.add(ContactCard(user_key=f"u{n}", chat_id=n + 1, name=f"Aktör {n}", art_forms="|" + "|".join(arts) + "|",
                                    place=place.name, place_key=place.name, region_key=directory.region_of(place),
                                    country=directory.country_of(place), languages="sv", line=line,
                                    folded=" ".join(words(fold_text(line))), listed=draw.random() < listed))
    engine.dispose()
    return places


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=2_000)
    parser.add_argument("--listed", type=float, default=0.7)
    args = parser.parse_args()
    draw = random.Random(16)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kontakt.db"
        started = time.perf_counter()
        places = seed(path, cards=args.cards, listed=args.listed, draw=draw)
        seeded = time.perf_counter() - started
        data = load_language_data()
        recogniser = Recogniser(load_vocabulary(), data.lexicon, data.gazetteer)
        engine = open_database(f"sqlite:///{path}")
        texts = [draw.choice(QUESTIONS).format(role=draw.choice(draw.choice(list(ROLES.values()))),
                                               place=draw.choice(places).capitalize()) for _ in range(args.searches)]
        recognise_ms, search_ms, search_cpu_ms, hits = [], [], [], []
        index = DirectoryIndex()
        with session_scope(engine) as session:
            started = time.perf_counter()
            index.search(session, recogniser.search_in("vi söker en koreograf i Flen"), exclude=None, offset=0, size=3)
            reading = time.perf_counter() - started
            for n, text in enumerate(texts):
                t0 = time.perf_counter()
                query = recogniser.search_in(text)
                t1, c1 = time.perf_counter(), time.thread_time()
                assert query is not None, text
                found = index.search(session, query, exclude="nobody", offset=0, size=3)
                t2, c2 = time.perf_counter(), time.thread_time()
                if n >= 20:  # the first searches warm the caches, untimed
                    recognise_ms.append((t1 - t0) * 1000)
                    search_ms.append((t2 - t1) * 1000)
                    search_cpu_ms.append((c2 - c1) * 1000)
                    hits.append(found.total)
    print(f"{args.cards:,} cards ({args.listed:.0%} listed; seeding {seeded:.1f} s), {len(search_ms):,} searches "
          f"timed, median {statistics.median(hits):.0f} cards fit a search; reading the listed cards into memory "
          f"once: {reading * 1000:.0f} ms\n")
    print("| step | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |\n| --- | ---: | ---: | ---: | ---: |")
    both = [a + b for a, b in zip(recognise_ms, search_ms, strict=True)]
    rows = (("recognise the text", recognise_ms), ("search the cards (first page)", search_ms),
            ("search the cards, CPU time of the thread", search_cpu_ms), ("both", both))
    for name, values in rows:
        print(f"| {name} | {percentile(values, .5):.3f} | {percentile(values, .95):.3f} | "
              f"{percentile(values, .99):.3f} | {max(values):.3f} |")
    verdict = "met" if percentile(search_ms, .99) <= TARGET_P99_MS else "MISSED"
    print(f"\nTarget: searching p99 <= {TARGET_P99_MS} ms (wall): {verdict}. Load average while measuring: "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall time above CPU time is waiting for a CPU).")


if __name__ == "__main__":
    main()
