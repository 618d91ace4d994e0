"""What an edited base would change: entries added, changed (and in which fields) and removed, by title."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.knowledge.entries import Entry, KnowledgeBase
from bot.knowledge.fields import FIELD_ORDER


@dataclass(frozen=True, slots=True)
class Change:
    """One entry's change; `before` is None when added, `after` None when removed."""

    before: Entry | None
    after: Entry | None
    fields: tuple[str, ...] = ()  # the fields that differ, for a changed entry

    @property
    def entry(self) -> Entry:
        return self.after or self.before  # type: ignore[return-value]  # one of them is always set

    @property
    def title(self) -> str:
        return self.entry.title.get("en")


@dataclass(frozen=True, slots=True)
class Changes:
    """The difference an edit makes; entries the edit does not mention are kept as they are."""

    added: tuple[Change, ...] = ()
    changed: tuple[Change, ...] = ()
    removed: tuple[Change, ...] = ()
    kept_unlisted: int = 0  # entries of the base the edit did not list: never removed for that

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def all(self) -> tuple[Change, ...]:
        return self.added + self.changed + self.removed


def changes_between(kb: KnowledgeBase, edited: Iterable[Entry], *, removed_ids: Iterable[str] = (),
                    complete: bool = True) -> Changes:
    """Compare an edit with the base; `complete` says whether the edit listed the whole base (a spreadsheet)."""
    added, changed, listed = [], [], set()
    for entry in edited:
        listed.add(entry.id)
        before = kb.by_id.get(entry.id)
        if before is None:
            added.append(Change(None, entry))
        elif not before.same_as(entry):
            differ = tuple(n for n in ("kind", *FIELD_ORDER) if getattr(before, n) != getattr(entry, n))
            changed.append(Change(before, entry, differ))
    removed = [Change(kb.by_id[i], None) for i in dict.fromkeys(removed_ids) if i in kb.by_id and i not in listed]
    listed.update(c.entry.id for c in removed)
    unlisted = sum(1 for e in kb if e.id not in listed) if complete else 0
    return Changes(tuple(added), tuple(changed), tuple(removed), unlisted)


def summary_lines(changes: Changes) -> list[str]:
    """The plain English summary the command line prints (the staff group gets it from the catalog)."""
    if not changes:
        return ["no changes"]
    lines = [f"{len(changes.added)} added, {len(changes.changed)} changed, {len(changes.removed)} removed"]
    lines += [f"  + {c.title} ({c.entry.id})" for c in changes.added]
    lines += [f"  ~ {c.title} ({c.entry.id}): {', '.join(c.fields)}" for c in changes.changed]
    lines += [f"  - {c.title} ({c.entry.id})" for c in changes.removed]
    if changes.kept_unlisted:
        lines.append(f"{changes.kept_unlisted} entries not in the file are kept (mark a row 'remove' to remove one)")
    return lines
