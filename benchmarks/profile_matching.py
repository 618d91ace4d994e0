"""Where our matcher spends its time on the synthetic base: phases of a question, then cProfile's top lines.

    python benchmarks/profile_matching.py [--size 10000] [--questions 2000] [--data DIR] [--code DIR] [--top 25]

Phases are timed without the profiler (it inflates Python calls against numpy's); the profiles then say which
functions cost what, for the index build and for the questions. `--code DIR` profiles a patched `bot` copy.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def percentiles(times: Sequence[float]) -> str:
    """p50 / p95 / p99 of milliseconds, as one short string."""
    return " / ".join(f"{np.percentile(times, p):.3f}" for p in (50, 95, 99))


def phases(matcher: Any, questions: Sequence[str]) -> str:
    """Reading the question, ranking the entries, deciding: milliseconds per question, p50 / p95 / p99."""
    for question in questions[:20]:
        matcher.match(question)
    spent: dict[str, list[float]] = {"read (analyse_query)": [], "rank": [], "decide": []}
    for question in questions:
        t0 = time.perf_counter()
        query = matcher.query(question)
        t1 = time.perf_counter()
        ranked = matcher.rank(query)
        t2 = time.perf_counter()
        matcher._decide(query, ranked)
        t3 = time.perf_counter()
        for name, start, end in zip(spent, (t0, t1, t2), (t1, t2, t3), strict=True):
            spent[name].append((end - start) * 1000)
    total = sum(sum(v) for v in spent.values())
    return "\n".join(f"  {name:22s} p50/p95/p99 {percentiles(v)} ms, {100 * sum(v) / total:4.1f} % of the time"
                     for name, v in spent.items())


def profiled(work: Callable[[], object], top: int) -> str:
    """cProfile's functions by own time, then by cumulative time."""
    profile = cProfile.Profile()
    profile.enable()
    work()
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--data", type=Path, help="generated data, kept and reused (as bench_matching.py)")
    parser.add_argument("--code", type=Path, help="import `bot` from this folder (a patched copy)")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if args.code:
        sys.path.insert(0, str(args.code))
    sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
    import bench_matching as bench

    from bot.matching.index import build_index
    from bot.matching.language_data import load_language_data
    from bot.matching.matcher import Matcher

    with tempfile.TemporaryDirectory() as tmp:
        data = (args.data or Path(tmp)) / str(args.size)
        data.mkdir(parents=True, exist_ok=True)
        bench.generate(args.size, args.questions, data)
        entries, load_s = bench.load_entries(data, read_yaml=False)
        questions = (data / "questions.txt").read_text(encoding="utf-8").splitlines()[:args.questions]
    start = time.perf_counter()
    matcher = Matcher(build_index(entries, language=load_language_data()))
    print(f"{args.size:,} entries: load_knowledge {load_s:.2f} s, build_index {time.perf_counter() - start:.2f} s")
    print(phases(matcher, questions))
    print("\n== build_index (cold caches) ==")
    print(profiled(lambda: build_index(entries, language=load_language_data()), args.top))
    print(f"== {len(questions):,} questions ==")
    print(profiled(lambda: [matcher.match(q) for q in questions], args.top))


if __name__ == "__main__":
    main()
