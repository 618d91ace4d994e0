"""One health check's verdict, as `doctor` prints it: ok, or a problem with how to fix it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """A check passed, found a problem, or could not run because an earlier one failed."""

    OK = "ok"
    PROBLEM = "problem"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """What was checked, what was found, and for a problem what to do about it."""

    name: str
    status: Status
    detail: str
    fix: str = ""
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The check as `doctor` prints it: one line, then any notes indented below."""
        line = f"{self.status.value:<8} {self.name:<12} {self.detail}"
        if self.fix:
            line += f" — fix: {self.fix}"
        return [line, *(f"{'':<22}{note}" for note in self.notes)]


def ok(name: str, detail: str, *notes: str) -> Check:
    """A passed check."""
    return Check(name=name, status=Status.OK, detail=detail, notes=notes)


def problem(name: str, detail: str, *, fix: str, notes: Sequence[str] = ()) -> Check:
    """A failed check with the way to mend it."""
    return Check(name=name, status=Status.PROBLEM, detail=detail, fix=fix, notes=tuple(notes))


def skipped(name: str, reason: str) -> Check:
    """A check that cannot run until an earlier problem is fixed."""
    return Check(name=name, status=Status.SKIPPED, detail=reason)


def healthy(checks: Sequence[Check]) -> bool:
    """No problem anywhere (a skipped check always follows a problem)."""
    return all(check.status is Status.OK for check in checks)
