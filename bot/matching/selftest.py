"""`kb test`: every entry's own example questions asked of the matcher, and those that miss their entry."""

from __future__ import annotations

from bot.matching.decisions import Decision
from bot.matching.matcher import Matcher


def self_test(matcher: Matcher) -> tuple[int, str]:
    """Ask every entry's own example questions; list those that do not land on their entry."""
    asked = misses = 0
    lines = []
    for entry in matcher.index.entries:
        for question in entry.questions:
            asked += 1
            result = matcher.match(question)
            ids = [m.entry.id for m in result.matches]
            landed = (result.decision is Decision.ANSWER and ids[:1] == [entry.id]) or (
                result.decision is Decision.CLARIFY and entry.id in ids)
            if not landed:
                misses += 1
                got = ", ".join(ids[:3]) or "nothing"
                lines.append(f"  {entry.id}: {question!r} -> {result.decision.value}: {got}")
    head = f"{asked} example questions asked, {asked - misses} landed on their entry, {misses} did not"
    return misses, "\n".join([head, *lines])
