"""Progress of long exports and reports on stderr, drawn by tqdm: shown on a terminal (or when asked),
silent in pipes and tests.

Long-running functions take `progress: Progress | None = None`, None being silent; there is no shared
default object. The command line builds one with `progress_for(args.progress)` and passes it in.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

from tqdm import tqdm  # type: ignore[import-untyped]

T = TypeVar("T")


class Progress:
    """Stage names as lines, and a tqdm bar over rows (a counter where the total is unknown), on one stream."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def stage(self, name: str) -> None:
        """Announce what the long run is doing now."""
        tqdm.write(f"{name}…", file=self.stream)

    def rows(self, rows: Iterable[T], total: int | None, *, verb: str) -> Iterator[T]:
        """`rows` passed through while a bar ('exported: 40%|████| 40000/100000 [00:02<00:03]') counts them."""
        with tqdm(rows, total=total, desc=verb, unit=" rows", file=self.stream, mininterval=0.5) as bar:
            yield from bar


def progress_for(asked: bool | None, stream: TextIO | None = None) -> Progress | None:
    """A Progress on `stream` (stderr) if asked, or, with `asked=None`, if the stream is a terminal; else None."""
    stream = stream or sys.stderr
    return Progress(stream) if (stream.isatty() if asked is None else asked) else None


def stage(progress: Progress | None, name: str) -> None:
    """`progress.stage(name)`, or nothing when silent."""
    if progress is not None:
        progress.stage(name)


def track(rows: Iterable[T], total: int | None, progress: Progress | None, *, verb: str) -> Iterable[T]:
    """`rows`, counted on `progress` when there is one."""
    return rows if progress is None else progress.rows(rows, total, verb=verb)
