"""The report's charts as PNG files, drawn on matplotlib's Agg canvas: no display, no pyplot state."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

DPI = 110
WIDE, TALL = (9.0, 4.2), (9.0, 5.6)
LABEL_MAX = 48
WEEK_TICKS = 14  # at most this many week labels on an axis
GOOD, BAD = "#4f9d69", "#c4484f"
COLOURS = ("#3b6ea5", "#e08a2c", "#4f9d69", "#c4484f", "#8a6bb8", "#8c6d5a", "#d17fb5", "#7f7f7f",
           "#b5b83b", "#3bb5c4")


def week_label(week: date) -> str:
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d}"


def _figure(size: tuple[float, float] = WIDE) -> Figure:
    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, path: Path) -> Path:
    with warnings.catch_warnings():  # a character the font lacks (an emoji in a title) is drawn as a box
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure.savefig(path, format="png")
    return path


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[:LABEL_MAX - 1] + "…"


def _week_axis(axes: Any, weeks: Sequence[date], xlabel: str) -> None:
    step = max(1, -(-len(weeks) // WEEK_TICKS))
    axes.set_xticks(range(0, len(weeks), step), [week_label(w) for w in weeks][::step], rotation=45, ha="right",
                    fontsize=8)
    axes.set_xlabel(xlabel)
    axes.set_xlim(-0.6, len(weeks) - 0.4)


def stacked_weeks(path: Path, *, title: str, weeks: Sequence[date], series: Mapping[str, Sequence[float]],
                  xlabel: str, ylabel: str, percent: bool = False, colours: Sequence[str] = COLOURS) -> Path:
    """Bars per week stacked by series (kinds, or decisions as shares when `percent`)."""
    figure = _figure()
    axes = figure.add_subplot()
    bottom = [0.0] * len(weeks)
    totals = [sum(values[i] for values in series.values()) or 1 for i in range(len(weeks))]
    for n, (name, values) in enumerate(series.items()):
        heights = [v / t if percent else v for v, t in zip(values, totals, strict=True)]
        axes.bar(range(len(weeks)), heights, bottom=bottom, label=name, color=colours[n % len(colours)], width=0.8)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    _week_axis(axes, weeks, xlabel)
    axes.set_ylabel(ylabel)
    if percent:
        axes.yaxis.set_major_formatter(PercentFormatter(1.0))
        axes.set_ylim(0, 1)
    else:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return _save(figure, path)


def horizontal_bars(path: Path, *, title: str, labels: Sequence[str], values: Sequence[float], xlabel: str) -> Path:
    """Ranked counts, largest on top."""
    figure = _figure(TALL if len(labels) > 8 else WIDE)
    axes = figure.add_subplot()
    positions = range(len(labels))[::-1]
    axes.barh(list(positions), values, color=COLOURS[0])
    axes.set_yticks(list(positions), [_short(label) for label in labels], fontsize=8)
    for y, value in zip(positions, values, strict=True):
        axes.annotate(f"{value:g}", (value, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(xlabel)
    axes.set_title(title)
    axes.margins(x=0.08)
    return _save(figure, path)


def weekly_lines(path: Path, *, title: str, weeks: Sequence[date], series: Mapping[str, Sequence[float | None]],
                 xlabel: str, ylabel: str) -> Path:
    """One line per series over the weeks; weeks without a value leave a gap."""
    figure = _figure()
    axes = figure.add_subplot()
    for n, (name, values) in enumerate(series.items()):
        points = [float("nan") if v is None else v for v in values]
        axes.plot(range(len(weeks)), points, marker="o", label=name, color=COLOURS[n % len(COLOURS)])
    _week_axis(axes, weeks, xlabel)
    axes.set_ylabel(ylabel)
    axes.set_ylim(bottom=0)
    axes.set_title(title)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return _save(figure, path)


def side_by_side(path: Path, *, panels: Sequence[tuple[str, Mapping[str, int], str, Sequence[str]]]) -> Path:
    """Small bar charts next to each other, each (title, counts, y label, colours): feedback, ratings."""
    figure = _figure((9.0, 3.6))
    for n, (title, counts, ylabel, colours) in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), n + 1)
        axes.bar(list(counts), list(counts.values()), color=[colours[i % len(colours)] for i in range(len(counts))])
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_title(title, fontsize=10)
        axes.set_ylabel(ylabel)
    return _save(figure, path)

