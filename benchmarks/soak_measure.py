"""What a soak run proves, read from the emulator's record and the bot's SQLite file: nothing lost, nothing twice,
no refused calls, the rates the bot reached, its speed and its memory; printed as one table."""

from __future__ import annotations

import re
import sqlite3
import statistics
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.soak_api import SoakApi
from benchmarks.soak_bot import GROUP, BotProcess
from benchmarks.soak_traffic import STAFF_MARK, Asked, Record
from bot.i18n.catalog import load_catalog
from bot.languages import LANGUAGES

RESTART_WINDOW = 10.0  # seconds after a restart whose sending rates are reported apart


@dataclass(frozen=True)
class Outcome:
    """One question's fate: answered, only an apology, or nothing; how long until the first reply."""

    delivered: bool
    apology_only: bool
    latency: float | None
    update_id: int


def apologies() -> frozenset[str]:
    """The apology in every language: an answer that is only this is no answer."""
    catalog = load_catalog()
    return frozenset(catalog(language, "error.generic") for language in LANGUAGES)


Turn = list[tuple[float, str, str]]  # (when sent, text, text and buttons) of each message in a question's turn


def turns(api: SoakApi, asked: list[Asked]) -> list[tuple[Asked, Turn]]:
    """Each question with the messages sent to its person after it and before their next question (staff answers
    relayed aside), per person in the order asked."""
    by_user: dict[int, list[Asked]] = defaultdict(list)
    for ask in asked:
        by_user[ask.user_id].append(ask)
    result = []
    for user_id, asks in by_user.items():
        asks.sort(key=lambda a: a.fed)
        timed = sorted((api.sent_at[(user_id, m["message_id"])], m.get("text", ""),
                        repr((m.get("text"), m.get("reply_markup")))) for m in api.messages_to(user_id)
                       if STAFF_MARK not in m.get("text", ""))
        times = [t for t, _, _ in timed]
        for number, ask in enumerate(asks):
            until = asks[number + 1].fed if number + 1 < len(asks) else float("inf")
            result.append((ask, [m for m in timed[bisect_left(times, ask.fed):] if m[0] < until]))
    return result


def outcomes(api: SoakApi, asked: list[Asked]) -> list[Outcome]:
    """Each question's fate, from its turn."""
    sorry = apologies()
    result = []
    for ask, turn in turns(api, asked):
        answers = [text for _, text, _ in turn if text not in sorry]
        result.append(Outcome(bool(answers), bool(turn) and not answers, turn[0][0] - ask.fed if turn else None,
                              ask.update_id))
    return result


def repeated_answers(api: SoakApi, asked: list[Asked]) -> int:
    """Answers sent twice: a turn's first message again, in the same turn or the next (as a restart that handles
    the same update again sends it); every question of a person is a different one, so its answer differs."""
    sorry = apologies()
    count, previous = 0, (-1, "")
    for ask, turn in turns(api, asked):
        keys = [key for _, text, key in turn if text not in sorry]
        if keys and keys.count(keys[0]) > 1:
            count += 1
        if previous[0] == ask.user_id and previous[1] in keys:
            count += 1
        previous = (ask.user_id, keys[0] if keys else "")
    return count


def _once_twice_never(counts: list[int]) -> str:
    tally = Counter(min(c, 2) for c in counts)
    return f"{tally[1]} / {tally[2]} / {tally[0]}"


def needs_tally(database: Path, asked: list[Asked]) -> str:
    """Needs logged once / twice / never per question fed (by its update id, and by no other)."""
    with sqlite3.connect(database) as db:
        logged = Counter(row[0] for row in db.execute("SELECT update_id FROM need WHERE update_id IS NOT NULL"))
    return _once_twice_never([logged[a.update_id] for a in asked]) + _which(
        [a.update_id for a in asked if not logged[a.update_id]])


def _which(update_ids: list[int]) -> str:
    """The first few updates a row counts as missing, to look them up in the bot's inbox."""
    return f" (updates {', '.join(map(str, update_ids[:5]))})" if update_ids else ""


def staff_tally(api: SoakApi, database: Path, record: Record, asked: list[Asked]) -> dict[str, str]:
    """Per ticket: its card in the staff group, its topic, the staff answer relayed to its person."""
    with sqlite3.connect(database) as db:
        tickets = dict(db.execute("SELECT id, chat_id FROM ticket").fetchall())
    group = api.chats.get(GROUP)
    topics = Counter(f"#{m.group(1)}" for name in (group.topics.values() if group else ())
                     if (m := re.search(r"#(\d+)", name)))
    cards = Counter(m.get("text", "").split(" ")[0] for m in api.messages_to(GROUP))
    relays = [sum(text in m.get("text", "") for m in api.messages_to(tickets.get(n) or 0))
              for n, text in record.staff_answers.items()]
    humans = {a.user_id for a in asked if a.human}
    return {"tickets opened / asked for": f"{len(tickets)} / {len(humans)}",
            "staff cards once / twice / never": _once_twice_never([cards[f"#{n}"] for n in tickets]),
            "topics once / twice / never": _once_twice_never([topics[f"#{n}"] for n in tickets]),
            "staff answers relayed once / twice / never": _once_twice_never(relays)}


def max_in_window(times: list[float], seconds: float, *, after: list[float] | None = None) -> int:
    """The most messages in any window of `seconds` (only windows starting within RESTART_WINDOW of `after`)."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - seconds:
            start += 1
        if after is None or any(0 <= times[start] - s <= RESTART_WINDOW for s in after):
            best = max(best, end - start + 1)
    return best


def rates(api: SoakApi, restarts: list[float]) -> dict[str, str]:
    private = [times for chat, times in api.sends.chats.items() if chat > 0]
    groups = [times for chat, times in api.sends.chats.items() if chat < 0]

    def line(after: list[float] | None) -> str:
        return (f"{max_in_window(api.sends.times, 1.0, after=after)} / "
                f"{max((max_in_window(t, 1.0, after=after) for t in private), default=0)} / "
                f"{max((max_in_window(t, 60.0, after=after) for t in groups), default=0)}")

    return {"max messages: per s overall / per s one chat / per min one group": line(None),
            "the same, within 10 s after a restart": line(restarts) if restarts else "no restart"}


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1] if len(values) > 1 else values[0]


def table(title: str, columns: dict[str, dict[str, Any]]) -> str:
    """One markdown table: what was measured, one column per run."""
    keys = list(dict.fromkeys(key for rows in columns.values() for key in rows))
    lines = [f"#### {title}", "", "| measured | " + " | ".join(columns) + " |",
             "| --- |" + " ---: |" * len(columns)]
    lines += [f"| {key} | " + " | ".join(str(rows.get(key, "")) for rows in columns.values()) + " |" for key in keys]
    return "\n".join(lines)


def summary(api: SoakApi, bot: BotProcess, record: Record, *, seconds: float) -> dict[str, Any]:
    """The figures every scenario reports."""
    asked = record.asked
    fates = outcomes(api, asked)
    latencies = [f.latency for f in fates if f.latency is not None]
    refused = api.refused_by_method()
    injected = Counter(kind for kind, _ in api.injected.elements())
    kept = bot.setup.database.exists()  # the echo bot keeps nothing
    rows: dict[str, Any] = {
        "updates fed / confirmed": f"{len(api.fed_at)} / {sum(1 for u in api.fed_at if u <= api.confirmed)}",
        "questions asked": len(asked),
        "needs logged once / twice / never": needs_tally(bot.setup.database, asked) if kept else "-",
        "answers delivered / apology only / none": (f"{sum(f.delivered for f in fates)} / "
                                                    f"{sum(f.apology_only for f in fates)} / "
                                                    f"{sum(not f.delivered and not f.apology_only for f in fates)}"
                                                    + _which([f.update_id for f in fates if not f.delivered])),
        "answers sent twice": repeated_answers(api, asked),
        **(staff_tally(api, bot.setup.database, record, asked) if kept else {}),
        "refused calls by method": ", ".join(f"{m} {n}" for m, n in refused.most_common()) or "0",
        "faults injected": ", ".join(f"{k} {n}" for k, n in sorted(injected.items())) or "0",
        "429 for a broken limit": sum(api.limited.values()),
        **rates(api, bot.starts[1:]),
        "updates per second": f"{len(api.fed_at) / seconds:.0f}" if seconds else "-",
        "update to answer p50 / p99 (s)": f"{percentile(latencies, 0.5):.2f} / {percentile(latencies, 0.99):.2f}",
        "kills / exits nobody asked for / tracebacks": f"{bot.kills} / {len(bot.exits)} / {bot.tracebacks()}",
        "sends under way at a kill (counted by the bot at its restart)": bot.in_doubt(),
        "peak memory (MiB)": f"{bot.peak_kib / 1024:.0f}",
    }
    return rows
