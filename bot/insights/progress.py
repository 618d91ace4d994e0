"""Progress of long exports and reports on stderr: shown on a terminal (or when asked), silent in pipes and tests."""

from __future__ import annotations

import sys
import time
from typing import TextIO

EVERY_ROWS = 10_000


class Progress:
    """Stage names and a 'exported 40000/100000 rows' line rewritten in place every EVERY_ROWS rows."""

    def __init__(self, enabled: bool | None = None, *, stream: TextIO | None = None) -> None:
        """`enabled=None` means: only when the stream is a terminal."""
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.started = time.monotonic()
        self._open_line = False
        self._shown = -1

    def stage(self, name: str) -> None:
        """Announce what the long run is doing now."""
        self._say(f"{name}…", end="\n")

    def rows(self, done: int, total: int | None, *, verb: str = "exported", final: bool = False) -> None:
        """Report `done` rows of `total`, but only every EVERY_ROWS rows and at the end."""
        if final and self._open_line and done == self._shown:  # the last count is on screen: end its line
            self._say("", end="\n")
            return
        if not final and (done == 0 or done % EVERY_ROWS):
            return
        of = f"/{total}" if total is not None else ""
        self._say(f"\r{verb} {done}{of} rows ({time.monotonic() - self.started:.1f} s)", end="\n" if final else "")
        self._open_line, self._shown = not final, done

    def _say(self, text: str, *, end: str) -> None:
        if not self.enabled:
            return
        if self._open_line and text and not text.startswith("\r"):
            self.stream.write("\n")
            self._open_line = False
        self.stream.write(text + end)
        self.stream.flush()
        if not text:
            self._open_line = False


SILENT = Progress(enabled=False)
