"""The process's memory: glibc's allocator kept to two arenas, so the threads that handle chats do not each hold
freed memory of their own."""

from __future__ import annotations

import ctypes
import ctypes.util

M_ARENA_MAX = -8  # mallopt's parameter number for the arena limit (glibc's malloc.h)
ARENAS = 2


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Ask glibc for at most `arenas` malloc arenas; True if it agreed. Without it each busy thread gets an arena
    of its own (up to eight per CPU) that keeps what it freed: the `hostile` soak peaked at 670 MiB, 342 with two.
    Elsewhere than glibc (musl, macOS) nothing changes. Call it before the threads start."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))
