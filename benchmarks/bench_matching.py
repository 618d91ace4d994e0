"""Matching speed at scale: Kulturlots beside BM25 (bm25s) and naive rapidfuzz, same data, same run.

    python benchmarks/bench_matching.py [--sizes 10000 100000] [--questions 2000] [--out FILE]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.index import build_index  # noqa: E402
from bot.knowledge import Entry, load_knowledge  # noqa: E402
from bot.matching import Matcher  # noqa: E402


@dataclass(frozen=True)
class Row:
    name: str
    build_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    peak_mib: float
    note: str = ""


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(fn: Callable[[str], object], questions: Sequence[str]) -> list[float]:
    for q in questions[:20]:
        fn(q)
    times = []
    for q in questions:
        start = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - start) * 1000)
    return times


def measure(name: str, build: Callable[[], Callable[[str], object]], questions: Sequence[str], note: str = "") -> Row:
    """Timings first, untraced; then the memory the index holds, traced in a second build."""
    gc.collect()
    start = time.perf_counter()
    ask = build()
    build_s = time.perf_counter() - start
    times = timed(ask, questions)
    del ask
    gc.collect()
    tracemalloc.start()
    held = build()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    del held
    return Row(name, build_s, percentile(times, .5), percentile(times, .95), percentile(times, .99), peak, note)


def entry_text(e: Entry) -> str:
    return " ".join([*e.title.all(), *e.body.all(), *e.keywords, *e.questions, e.organisation or ""])


def ours(entries: Sequence[Entry]) -> Callable[[], Callable[[str], object]]:
    return lambda: Matcher(build_index(entries)).match


def bm25(entries: Sequence[Entry]) -> Callable[[], Callable[[str], object]]:
    def build() -> Callable[[str], object]:
        import bm25s
        import Stemmer

        stemmer = Stemmer.Stemmer("english")
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize([entry_text(e) for e in entries], stemmer=stemmer, show_progress=False),
                        show_progress=False)
        return lambda q: retriever.retrieve(bm25s.tokenize([q], stemmer=stemmer, show_progress=False),
                                            k=5, show_progress=False)
    return build


def wratio(entries: Sequence[Entry]) -> Callable[[], Callable[[str], object]]:
    def build() -> Callable[[str], object]:
        from rapidfuzz import fuzz, process

        choices = [entry_text(e) for e in entries]
        return lambda q: process.extract(q, choices, scorer=fuzz.WRatio, limit=5)
    return build


def table(size: int, load_s: float, rows: Sequence[Row], n: int) -> str:
    lines = [f"### {size:,} entries, {n:,} questions (loading the YAML: {load_s:.1f} s, not counted below)", "",
             "| matcher | index build (s) | p50 (ms) | p95 (ms) | p99 (ms) | peak memory while building (MiB) |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r.name}{r.note} | {r.build_s:.2f} | {r.p50_ms:.3f} | {r.p95_ms:.3f} | {r.p99_ms:.3f} | {r.peak_mib:.0f} |")
    return "\n".join(lines)


def run(size: int, n: int, wratio_sample: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        qfile = Path(tmp) / "questions.txt"
        subprocess.run([sys.executable, str(ROOT / "tools" / "synth_kb.py"), str(size), str(Path(tmp) / "kb"),
                        "--questions", str(n), str(qfile)], check=True)
        start = time.perf_counter()
        entries = load_knowledge(Path(tmp) / "kb").entries
        load_s = time.perf_counter() - start
        questions = qfile.read_text(encoding="utf-8").splitlines()
    sample = questions[:wratio_sample]
    rows = [measure("Kulturlots", ours(entries), questions),
            measure("bm25s (BM25, Snowball stems)", bm25(entries), questions),
            measure("rapidfuzz WRatio over every field", wratio(entries), sample,
                    note=f" ({len(sample)} questions)" if len(sample) < n else "")]
    return table(size, load_s, rows, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    parts = ["Targets at 10,000 entries: p50 ≤ 1 ms, p99 ≤ 5 ms, index build ≤ 2 s."]
    for size in args.sizes:
        parts.append(run(size, args.questions, args.questions if size <= 10_000 else 200))
        print(parts[-1], "\n", flush=True)
    if args.out:
        args.out.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
