"""The bot's process keeps glibc to two malloc arenas, however many threads handle chats."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHURN = textwrap.dedent("""
    import ctypes, ctypes.util, sys, threading
    from bot.operations.memory import limit_arenas
    if sys.argv[1] == "limit":
        assert limit_arenas()
    def churn():
        for _ in range(200):
            junk = [bytes(64) for _ in range(2000)]
            del junk
    threads = [threading.Thread(target=churn) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.fdopen.restype = ctypes.c_void_p
    out = ctypes.c_void_p(libc.fdopen(1, b"w"))
    libc.malloc_info(0, out)  # one <heap nr=...> per arena
    libc.fflush(out)
""")


def arenas_after_eight_threads(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", CHURN, mode], cwd=ROOT, capture_output=True, text=True, check=True,
                          timeout=120)
    return done.stdout.count("<heap nr=")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc arenas are glibc's")
def test_eight_busy_threads_share_two_arenas_once_limited() -> None:
    assert arenas_after_eight_threads("free") > 2  # what the limit is for: glibc gives busy threads their own
    assert arenas_after_eight_threads("limit") <= 2
