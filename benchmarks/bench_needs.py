"""Needs export and report at scale: 100,000 needs (a tenth with tickets) over a year, each task timed in
its own process: wall seconds, CPU seconds (user + system of that child, from wait4: less swayed than wall
time by other work on a shared machine) and peak memory (ru_maxrss of that child).

    python benchmarks/bench_needs.py [--needs 100000] [--keep DIR]

The database is seeded in a child process too: a child's ru_maxrss starts from its parent's size at
fork, so the parent stays small. Prints a markdown table; exits 1 when a task misses its target.

What is measured is the real command line (`python -m bot export/report`, progress off as in a pipe), so
the xlsx row is XlsxWriter in constant_memory mode (rows flushed to a temporary file one by one, strings
inline) writing the needs, tickets and summary sheets; the versions used are printed above the table.
The own writer it replaced, run the same way one after the other on the same database, took about half
the xlsx time at the same peak memory (figures in the README).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

SECONDS, MIB = 30.0, 1024.0
START = datetime(2026, 1, 5, 8, tzinfo=UTC)
REGIONS = ("Sörmland", "Stockholm", "Sjælland", "Fyn", "Zuid-Holland", "Utrecht", None)
ART_FORMS = ("music", "theatre", "dance", "visual-arts", "literature", "film", "crafts", None)
LANGUAGES = ("sv", "sv", "sv", "da", "da", "nl", "nl", "en")
PLACES = ("flen", "eskilstuna", "nyköping", "katrineholm", "næstved", "odense", "slagelse", "leiden", "gouda",
          "delft", "malmö", "vingåker", "trosa", "kerteminde", "zoetermeer")
# Needs the base lacks, by language: what escalated and not-helpful questions are about.
GAPS = {
    "sv": ("behöver replokal för vårt band i {p}", "finns det bidrag för översättning av {a} till engelska",
           "tillstånd för att måla street art på en vägg i {p}?", "behöver en jurist, arrangören bryter kontraktet",
           "hur gör man momsen på gager som frilansare", "var kan vi låna ljudanläggning till festival i {p}",
           "finns det ateljéer att hyra billigt i {p}", "försäkring för utställning av {a}, vem vet",
           "hur får man spela på bibliotek i {p}", "vill starta en poesiklubb i {p}, lokal?",
           "barnvakt under turné, finns stöd?", "hur prissätter jag {a} till kommunen"),
    "da": ("vi mangler et øvelokale til vores band i {p}", "tilskud til oversættelse af {a} til tysk?",
           "tilladelse til gadekunst på en mur i {p}", "har brug for en advokat til en kontrakt",
           "hvordan med moms på honorarer som freelancer", "leje af lydanlæg til festival i {p}",
           "billige atelierer i {p}?", "forsikring af udstilling med {a}"),
    "nl": ("oefenruimte voor onze band in {p} gezocht", "subsidie voor vertaling van {a} naar het engels",
           "vergunning voor een muurschildering in {p}", "advocaat nodig voor contract met theater",
           "btw op gages als zzp'er hoe zit dat", "geluidsinstallatie lenen voor festival in {p}",
           "goedkoop atelier huren in {p}", "verzekering voor expositie van {a}"),
    "en": ("rehearsal space for a band in {p}", "funding to translate {a} into english",
           "permit for a street art mural in {p}", "need a lawyer for a contract dispute",
           "vat on performance fees as a freelancer", "borrow a sound system for a festival in {p}"),
}
ARTS = ("min diktsamling", "en roman", "barnböcker", "mine digte", "mijn boek", "my novel", "keramik", "målningar")
OPENERS = ("", "", "hej ", "hej! ", "hi ", "hallo ", "hejsa ", "hey ")
Row = dict[str, Any]
CLOSERS = ("", "", "?", "??", " tack", " pls", " :)", "!")


def typos(text: str, rng: random.Random) -> str:
    """Chat-style damage: a swapped letter in some longer words."""
    out = []
    for word in text.split():
        if len(word) > 5 and rng.random() < 0.15:
            i = rng.randrange(1, len(word) - 2)
            word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        out.append(word)
    return " ".join(out)


def needs(count: int, entries: list[tuple[str, str]], rng: random.Random) -> Iterator[tuple[Row, Row | None]]:
    """Need rows (and a ticket row for about a tenth) spread over 52 weeks."""
    span = timedelta(weeks=52).total_seconds()
    for n in range(count):
        language = rng.choice(LANGUAGES)
        created = START + timedelta(seconds=span * n / count + rng.random() * 600)
        roll = rng.random()
        decision = "answer" if roll < 0.6 else "clarify" if roll < 0.8 else "escalate"
        matches = [{"id": i, "kind": k, "score": round(rng.uniform(0.3, 0.9), 4)}
                   for i, k in rng.sample(entries, 0 if decision == "escalate" and rng.random() < 0.5 else 3)]
        feedback = rng.choice(("helpful", "helpful", "helpful", "not_helpful")) if decision == "answer" and \
            rng.random() < 0.3 else None
        unmet = decision == "escalate" or feedback == "not_helpful"
        template = rng.choice(GAPS[language]) if unmet else "var söker man pengar för {a} i {p}"
        text = typos(rng.choice(OPENERS) + template.format(p=rng.choice(PLACES), a=rng.choice(ARTS)), rng)
        text += rng.choice(CLOSERS)
        key = f"{rng.randrange(20000):032x}"
        region, art = rng.choice(REGIONS), rng.choice(ART_FORMS)
        need = {"id": n + 1, "created_at": created, "user_key": key, "language": language, "region": region,
                "art_form": art, "text": text, "decision": decision, "matches": matches, "feedback": feedback,
                "update_id": n + 1, "channel": "telegram", "ticket_id": None,
                "chosen_id": matches[0]["id"] if decision == "clarify" and matches and rng.random() < 0.7 else None}
        ticket: Row | None = None
        if decision == "escalate" and rng.random() < 0.5:
            answered = created + timedelta(hours=rng.expovariate(1 / 20)) if rng.random() < 0.85 else None
            closed = answered + timedelta(hours=rng.expovariate(1 / 30)) if answered and rng.random() < 0.8 else None
            ticket = {"user_key": key, "chat_id": 900_000_000 + n, "language": language, "region": region,
                      "art_form": art, "question": text, "tried": matches, "need_id": n + 1, "created_at": created,
                      "state": "closed" if closed else "answered" if answered else "open", "first_answer_at": answered,
                      "closed_at": closed, "rating": rng.randint(1, 5) if closed and rng.random() < 0.6 else None,
                      "label": rng.choice((None, None, "funding", "contact", "venue"))}
        yield need, ticket


def seed(path: Path, count: int) -> None:
    """Bulk-insert `count` needs and their tickets with SQLAlchemy core."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import insert

    from bot.knowledge.loader import load_knowledge
    from bot.storage.database import open_database
    from bot.storage.tables import Actor, Need, Ticket

    engine = open_database(f"sqlite:///{path}")
    kb = load_knowledge(ROOT / "knowledge")
    entries = [(e.id, e.kind) for e in kb]
    rng = random.Random(2026)
    need_rows: list[Row] = []
    ticket_rows: list[Row] = []
    for need, ticket in needs(count, entries, rng):
        if ticket is not None:
            ticket["id"] = len(ticket_rows) + 1
            need["ticket_id"] = ticket["id"]
            ticket_rows.append(ticket)
        need_rows.append(need)
    actors = {n["user_key"]: {"key": n["user_key"], "language": n["language"]} for n in need_rows}
    with engine.begin() as connection:
        connection.execute(insert(Actor.__table__), list(actors.values()))  # type: ignore[attr-defined]
        connection.execute(insert(Ticket.__table__), ticket_rows)  # type: ignore[attr-defined]
        for start in range(0, len(need_rows), 20_000):
            connection.execute(insert(Need.__table__), need_rows[start:start + 20_000])  # type: ignore[attr-defined]
    engine.dispose()


def run(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak resident MiB of one child process (ru_maxrss is KiB on Linux)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"failed ({child.returncode}): {' '.join(command)}")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the database and outputs")
    parser.add_argument("--seed", type=Path, help=argparse.SUPPRESS)  # the child that fills the database
    args = parser.parse_args()
    if args.seed:
        seed(args.seed, args.needs)
        return 0
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return measure(args.keep, args.needs)
    with tempfile.TemporaryDirectory(prefix="bench-needs-") as scratch:
        return measure(Path(scratch), args.needs)


def measure(folder: Path, count: int) -> int:
    """Seed `count` needs into `folder`, run every task, print the table; 1 if a target was missed."""
    database = folder / "needs.db"
    database.unlink(missing_ok=True)
    seconds, _, seed_peak = run([sys.executable, __file__, "--seed", str(database), "--needs", str(count)])
    config = folder / "config.yaml"
    config.write_text(f"storage:\n  url: sqlite:///{database}\nknowledge:\n  path: {ROOT / 'knowledge'}\n"
                      "default_language: sv\n", encoding="utf-8")
    bot = [sys.executable, "-m", "bot", "--config", str(config)]
    stats = ("from bot.storage.database import open_database; from bot.insights.stats import summary; "
             f"s = summary(open_database('sqlite:///{database}')); "
             "print(s.needs, s.open_tickets, [c.size for c in s.top_unmet])")
    tasks = {
        "export csv": [*bot, "export", "--format", "csv", "--out", str(folder / "needs.csv")],
        "export xlsx": [*bot, "export", "--format", "xlsx", "--out", str(folder / "needs.xlsx")],
        "export json": [*bot, "export", "--format", "json", "--out", str(folder / "needs.json")],
        "report (charts + unmet clusters)": [*bot, "report", "--out", str(folder / "report.html")],
        "export xlsx --region Sörmland": [*bot, "export", "--format", "xlsx", "--region", "Sörmland",
                                          "--out", str(folder / "sormland.xlsx")],
        "report --region Sörmland": [*bot, "report", "--region", "Sörmland", "--out", str(folder / "sormland.html")],
        "summary (/stats, with clustering)": [sys.executable, "-c", stats],
    }
    print(f"{count} needs seeded in {seconds:.1f} s, peak {seed_peak:.0f} MiB "
          f"({database.stat().st_size / 2**20:.0f} MiB SQLite file)\n")
    versions = ", ".join(f"{name} {importlib.metadata.version(name)}" for name in ("XlsxWriter", "tqdm"))
    print(f"Python {sys.version.split()[0]}, {versions}, {os.cpu_count()} CPUs\n")
    print("| task | seconds | CPU seconds | peak MiB | target |\n| --- | ---: | ---: | ---: | --- |")
    missed = False
    for name, command in tasks.items():
        elapsed, cpu, peak = run(command)
        ok = elapsed <= SECONDS and peak <= MIB
        missed |= not ok
        target = f"≤ {SECONDS:.0f} s, ≤ {MIB:.0f} MiB{'' if ok else ' MISSED'}"
        print(f"| {name} | {elapsed:.1f} | {cpu:.1f} | {peak:.0f} | {target} |", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
