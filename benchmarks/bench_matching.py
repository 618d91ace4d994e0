"""Matching speed at scale: Kulturlots beside BM25 (bm25s) and naive rapidfuzz WRatio, same data, same run.

    python benchmarks/bench_matching.py [--sizes 10000 100000] [--questions 2000] [--out FILE]
                                        [--only NAME ...] [--data DIR] [--code DIR]

For each size, tools/synth_kb.py writes N entries and the questions into one folder; each matcher then runs
in its own child process (fresh caches, no other matcher's garbage, its own peak memory) on those same
entries and questions, asked one at a time as a chat bot would. `--code DIR` imports `bot` from DIR instead
of this checkout, to measure a patched copy; `--data DIR` keeps (and reuses) the generated data.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "synth_kb.py"
WARM = 20             # questions asked once, untimed, before timing (caches, lazy imports)
BIG = 10_000          # above this size the naive WRatio anchor times a sample only...
WRATIO_SAMPLE = 200   # ...of this many questions (it takes seconds per question at 100,000 entries)
TOP_K = 5
MATCHERS = ("ours", "bm25s", "wratio")
LABELS = {"ours": "Kulturlots", "bm25s": "bm25s (BM25, English Snowball stems, sv/da/nl/en stop words)",
          "wratio": "rapidfuzz WRatio over every field"}
TARGETS = {"p50_ms": 0.35, "p99_ms": 0.6, "build_s": 1.5}  # at 10,000 entries: issue 10's bar
TARGET_SIZE = 10_000

Ask = Callable[[str], Any]


@dataclass
class Row:
    """One matcher's numbers for one size; what a child process hands back as JSON."""

    name: str
    load_s: float    # reading the YAML base (load_knowledge): the same for every matcher
    index_s: float   # building the matcher from loaded entries
    p50_ms: float
    p95_ms: float
    p99_ms: float
    peak_mib: float  # traced peak while building the matcher, entries already in memory
    timed: int       # questions timed
    decisions: dict[str, int] = field(default_factory=dict)
    code: str = ""   # where `bot` was imported from, when not from this checkout

    @property
    def build_s(self) -> float:
        return self.load_s + self.index_s


# --- the three matchers, each a build function returning "ask one question" -------------------------------

def entry_text(entry: Any) -> str:
    """Every field of an entry in one string: what a naive matcher would index."""
    parts: list[str] = []
    for name in entry.__dataclass_fields__:
        value = getattr(entry, name)
        if name == "source" or value is None:
            continue
        if hasattr(value, "all"):          # a Text: every language
            parts.extend(value.all())
        elif isinstance(value, tuple):
            parts.extend(map(str, value))
        else:
            parts.append(str(value))
    return " ".join(parts)


def build_ours(entries: Sequence[Any]) -> Ask:
    """The project's matcher: build_index, then Matcher.match per question."""
    from bot.matching.index import build_index
    from bot.matching.language_data import load_language_data
    from bot.matching.matcher import Matcher

    return Matcher(build_index(entries, language=load_language_data())).match


def build_bm25s(entries: Sequence[Any]) -> Ask:
    """BM25 over every field, English Snowball stems (PyStemmer), the four languages' stop words."""
    import bm25s
    import Stemmer
    from bm25s import stopwords

    stemmer = Stemmer.Stemmer("english")
    stop = sorted({*stopwords.STOPWORDS_EN, *stopwords.STOPWORDS_SWEDISH, *stopwords.STOPWORDS_DANISH,
                   *stopwords.STOPWORDS_DUTCH})
    retriever = bm25s.BM25()
    corpus = bm25s.tokenize([entry_text(e) for e in entries], stopwords=stop, stemmer=stemmer,
                            show_progress=False)
    retriever.index(corpus, show_progress=False)

    def ask(question: str) -> Any:
        tokens = bm25s.tokenize([question], stopwords=stop, stemmer=stemmer, return_ids=False, show_progress=False)
        return retriever.retrieve(tokens, k=TOP_K, show_progress=False)  # n_threads=0: in this thread
    return ask


def build_wratio(entries: Sequence[Any]) -> Ask:
    """The naive fuzzy matcher: WRatio of the question against each entry's fields concatenated."""
    from rapidfuzz import fuzz, process

    choices = [entry_text(e) for e in entries]
    return lambda question: process.extract(question, choices, scorer=fuzz.WRatio, limit=TOP_K)


BUILDERS: dict[str, Callable[[Sequence[Any]], Ask]] = {"ours": build_ours, "bm25s": build_bm25s,
                                                       "wratio": build_wratio}


# --- measuring, inside a child process -------------------------------------------------------------------

def latencies(ask: Ask, questions: Sequence[str]) -> tuple[list[float], list[Any]]:
    """Milliseconds per question, after a few untimed warm-up questions; and the answers."""
    for question in questions[:WARM]:
        ask(question)
    times, answers = [], []
    for question in questions:
        start = time.perf_counter()
        answer = ask(question)
        times.append((time.perf_counter() - start) * 1000)
        answers.append(answer)
    return times, answers


def clear_caches() -> None:
    """Forget memoised folds and stems, so the traced build pays for them as a cold start does."""
    if "bot.analysis" in sys.modules:
        for name in ("fold", "stems"):
            getattr(getattr(sys.modules["bot.analysis"], name), "cache_clear", lambda: None)()


def traced_peak(build: Callable[[], object]) -> float:
    """Peak MiB allocated while building (tracemalloc; slow, hence a second, untimed build)."""
    clear_caches()
    gc.collect()
    tracemalloc.start()
    try:
        held = build()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del held
    return peak / 2**20


def load_entries(data: Path, read_yaml: bool) -> tuple[Sequence[Any], float]:
    """Ours reads the YAML (timed) and leaves a pickle, so the anchors skip the slow read."""
    cache = data / "entries.pickle"
    if not read_yaml and cache.exists():
        return pickle.loads(cache.read_bytes()), float((data / "load_s.txt").read_text())
    from bot.knowledge.loader import load_knowledge

    start = time.perf_counter()
    entries = load_knowledge(data / "kb").entries
    load_s = time.perf_counter() - start
    cache.write_bytes(pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL))
    (data / "load_s.txt").write_text(f"{load_s:.6f}")
    return entries, load_s


def child(name: str, data: Path, limit: int) -> Row:
    """Build one matcher, time it over the questions, then trace a second build for memory."""
    entries, load_s = load_entries(data, read_yaml=name == "ours")
    questions = (data / "questions.txt").read_text(encoding="utf-8").splitlines()[:limit]
    builder = BUILDERS[name]
    gc.collect()
    start = time.perf_counter()
    ask = builder(entries)
    index_s = time.perf_counter() - start
    times, answers = latencies(ask, questions)
    decisions = dict(Counter(a.decision.value for a in answers)) if name == "ours" else {}
    del ask, answers
    peak = traced_peak(lambda: builder(entries))
    p50, p95, p99 = (float(np.percentile(times, p)) for p in (50, 95, 99))
    code = Path(sys.modules["bot"].__file__).parent.parent if "bot" in sys.modules else ROOT
    return Row(name, load_s, index_s, p50, p95, p99, peak, len(times), decisions,
               code="" if code == ROOT else str(code))


# --- the parent: data, children, tables ------------------------------------------------------------------

def generate(size: int, questions: int, data: Path) -> None:
    """The synthetic base and its questions, unless this folder already holds them."""
    marker = data / f"made-{size}-{questions}"
    if marker.exists():
        return
    for stale in ("entries.pickle", "load_s.txt"):
        (data / stale).unlink(missing_ok=True)
    subprocess.run([sys.executable, str(TOOL), str(size), str(data / "kb"), "--questions", str(questions),
                    str(data / "questions.txt")], check=True)
    marker.touch()


def run_child(name: str, data: Path, limit: int, code: Path | None) -> Row:
    """One matcher in a fresh interpreter; `code` puts a patched `bot` package first on the path."""
    env_path = [str(code)] if code else []
    command = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--data", str(data),
               "--limit", str(limit), *(["--code", str(code)] if code else [])]
    done = subprocess.run(command, check=True, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": ":".join([*env_path, str(ROOT)])})
    raw = json.loads(done.stdout.strip().splitlines()[-1])
    return Row(**raw)


def table(size: int, n: int, rows: Sequence[Row]) -> str:
    """One markdown table for one size, with the decisions our matcher took."""
    load_s = rows[0].load_s if rows else 0.0
    lines = [f"### {size:,} entries, {n:,} questions asked one at a time", "",
             "| matcher | build s (load YAML + index) | index s | p50 ms | p95 ms | p99 ms | peak MiB (index build) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        sample = f" — {r.timed:,} questions" if r.timed < n else ""
        lines.append(f"| {LABELS[r.name]}{sample} | {r.build_s:.2f} | {r.index_s:.2f} | {r.p50_ms:.3f} | "
                     f"{r.p95_ms:.3f} | {r.p99_ms:.3f} | {r.peak_mib:.0f} |")
    lines += ["", f"Loading the YAML (load_knowledge) takes {load_s:.2f} s of every build above; peak memory is "
              "tracemalloc's peak during a second build, entries already loaded."]
    for r in rows:
        if r.code:
            lines.append(f"{LABELS[r.name]}: `bot` imported from {r.code}.")
        if r.decisions:
            total = sum(r.decisions.values())
            shares = ", ".join(f"{d} {r.decisions.get(d, 0):,} ({100 * r.decisions.get(d, 0) / total:.1f} %)"
                               for d in ("answer", "clarify", "escalate"))
            lines.append(f"{LABELS[r.name]} decisions: {shares}. (Synthetic questions do not record the entry "
                         "they were written from, so this is no accuracy figure.)")
    return "\n".join(lines)


def verdict(rows: Sequence[Row]) -> str:
    """Our matcher at 10,000 entries against the targets."""
    ours = next((r for r in rows if r.name == "ours"), None)
    if ours is None:
        return ""

    def mark(value: float, target: float, unit: str) -> str:
        return f"{value:.3g} {unit} ({'met' if value <= target else 'MISSED'})"

    return (f"Kulturlots at {TARGET_SIZE:,}: p50 {mark(ours.p50_ms, TARGETS['p50_ms'], 'ms')}, "
            f"p99 {mark(ours.p99_ms, TARGETS['p99_ms'], 'ms')}, "
            f"index build {mark(ours.index_s, TARGETS['build_s'], 's')}; reading the YAML before it adds "
            f"{ours.build_s - ours.index_s:.3g} s (libyaml composing nodes; no target).")


def bench(size: int, n: int, names: Sequence[str], data: Path, code: Path | None) -> str:
    """Every matcher on one size's data; the markdown for it."""
    generate(size, n, data)
    rows = []
    for name in sorted(names, key=MATCHERS.index):  # ours first: it times the YAML read and pickles the entries
        limit = WRATIO_SAMPLE if name == "wratio" and size > BIG else n
        rows.append(run_child(name, data, min(limit, n), code))
    text = table(size, n, rows)
    if size == TARGET_SIZE:
        text += "\n\n" + verdict(rows)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--only", nargs="+", choices=MATCHERS, default=list(MATCHERS))
    parser.add_argument("--out", type=Path, help="also write the tables (markdown) here")
    parser.add_argument("--data", type=Path, help="keep the generated data here (one subfolder per size)")
    parser.add_argument("--code", type=Path, help="import `bot` from this folder (a patched copy)")
    parser.add_argument("--child", choices=MATCHERS, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asdict(child(args.child, args.data, args.limit))))
        return
    parts = ["Targets at 10,000 entries: p50 ≤ 1 ms, p99 ≤ 5 ms, build ≤ 2 s."]
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            data = (args.data or Path(tmp)) / str(size)
            data.mkdir(parents=True, exist_ok=True)
            parts.append(bench(size, args.questions, args.only, data, args.code))
            print(parts[-1], "\n", flush=True)
    if args.out:
        args.out.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
