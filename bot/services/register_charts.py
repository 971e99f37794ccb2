"""The board's charts as PNG images, drawn with matplotlib from the register's figures (counts only).

Figures are made with matplotlib's object API and the Agg renderer, never pyplot: no global state, no
display needed, safe in the bot's worker threads. Colours are the Okabe-Ito set, which readers with
colour-blindness can tell apart, and every bar carries its number so the chart reads in black and white.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from bot.domain import register_stats as stats

COLOURS = {
    stats.REPORTED: "#0072B2",
    stats.NOT_REPORTABLE: "#009E73",
    stats.REPORT_OWED: "#D55E00",
    stats.UNDECIDED: "#999999",
}
TRIAGE_COLOUR, REPORT_COLOUR, NEAR_MISS_COLOUR, LINE_COLOUR = "#56B4E9", "#0072B2", "#E69F00", "#D55E00"
SIZE, DPI = (9, 4.8), 150
MOST_CAUSES = 10


@dataclass(frozen=True)
class Chart:
    key: str  # a file name stem: breaches-by-month.png
    title: str
    png: bytes


def _figure(title: str) -> tuple[Figure, Any]:
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    figure.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=13)
    FigureCanvasAgg(figure)  # the Agg renderer, explicitly: no pyplot, no display
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.yaxis.grid(True, color="#dddddd")
    axes.set_axisbelow(True)
    return figure, axes


def _counts_from_zero(axes: Any, *, horizontal: bool = False, empty: str | None = None) -> None:
    """A count axis starts at 0 and shows whole numbers, even with nothing to count (matplotlib would centre
    an empty axis on 0, with negative counts); an empty chart says why it is empty."""
    if horizontal:
        axes.set_xlim(left=0, right=max(axes.get_xlim()[1], 1))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        axes.set_ylim(bottom=0, top=max(axes.get_ylim()[1], 1))
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if empty:
        axes.text(
            0.5, 0.5, empty, transform=axes.transAxes, ha="center", color="#555555",
            bbox={"facecolor": "white", "edgecolor": "none"},
        )  # fmt: skip


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _month_ticks(axes: object, labels: list[str]) -> None:
    axes.set_xticks(
        range(len(labels)), labels, rotation=45 if len(labels) > 8 else 0, ha="right" if len(labels) > 8 else "center"
    )  # type: ignore[attr-defined]


def breaches_by_month(figures: stats.BoardFigures) -> Chart:
    figure, axes = _figure("Breaches each month, by outcome")
    labels = [m.label for m in figures.months]
    bottom = [0] * len(labels)
    for outcome in stats.OUTCOMES:
        counts = [m.outcomes[outcome] for m in figures.months]
        if not any(counts):
            continue
        bars = axes.bar(range(len(labels)), counts, bottom=bottom, color=COLOURS[outcome], label=outcome, width=0.7)
        axes.bar_label(
            bars, labels=[str(c) if c else "" for c in counts], label_type="center", color="white", fontsize=8
        )
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    _month_ticks(axes, labels)
    _counts_from_zero(axes, empty=None if figures.breaches else "No breaches in this period")
    axes.set_ylabel("Breaches")
    if figures.breaches:
        axes.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=4, fontsize=9)
    return Chart("breaches-by-month", "Breaches each month, by outcome", _png(figure))


def reported_on_time(figures: stats.BoardFigures) -> Chart:
    overall = figures.on_time_share
    summary = f"{overall:.0%} overall ({figures.on_time} of {figures.reported})" if overall is not None else "none made"
    figure, axes = _figure(f"Reports to the ICO made within the deadline: {summary}")
    labels = [m.label for m in figures.months]
    shares = [m.on_time / m.reported if m.reported else 0 for m in figures.months]
    bars = axes.bar(range(len(labels)), shares, color=REPORT_COLOUR, width=0.7)
    axes.bar_label(
        bars,
        labels=[f"{m.on_time} of {m.reported}" if m.reported else "none" for m in figures.months],
        fontsize=7,
        padding=2,
    )
    _month_ticks(axes, labels)
    axes.set_ylim(0, 1.12)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set_ylabel("Share of the month's ICO reports")
    return Chart("reported-on-time", "Reports to the ICO made within the deadline", _png(figure))


def time_to_act(figures: stats.BoardFigures) -> Chart:
    figure, axes = _figure("How quickly breaches were triaged and reported")
    triage = figures.bands(figures.hours_to_triage)
    report = figures.bands(figures.hours_to_report)
    labels = list(triage)
    width = 0.38
    left = axes.bar(
        [i - width / 2 for i in range(len(labels))],
        list(triage.values()),
        width,
        color=TRIAGE_COLOUR,
        label="Awareness to first triage",
    )
    right = axes.bar(
        [i + width / 2 for i in range(len(labels))],
        list(report.values()),
        width,
        color=REPORT_COLOUR,
        label="Awareness to ICO report",
    )
    axes.bar_label(left, fontsize=8, padding=1)
    axes.bar_label(right, fontsize=8, padding=1)
    # The bands are cut at 72 hours: the line sits between the 48–72 h and 72–96 h bars.
    line_at = next(i for i, (low, _, _) in enumerate(stats.HOUR_BANDS) if low == stats.DEADLINE_HOURS) - 0.5
    axes.axvline(line_at, color=LINE_COLOUR, linestyle="--", linewidth=1.5)
    axes.text(
        line_at + 0.05,
        0.97,
        "72-hour deadline",
        transform=axes.get_xaxis_transform(),
        color=LINE_COLOUR,
        va="top",
        fontsize=9,
    )
    axes.set_xticks(range(len(labels)), labels)
    timed = figures.hours_to_triage or figures.hours_to_report
    _counts_from_zero(axes, empty=None if timed else "No breach triaged or reported in this period")
    axes.set_xlabel("Time from becoming aware")
    axes.set_ylabel("Breaches")
    axes.legend(frameon=False, loc="upper right")
    return Chart("time-to-triage-and-report", "How quickly breaches were triaged and reported", _png(figure))


def _top(counted: list[tuple[str, int]]) -> list[tuple[str, int]]:
    if len(counted) <= MOST_CAUSES:
        return counted
    kept = counted[: MOST_CAUSES - 1]
    return [*kept, (f"{len(counted) - len(kept)} other causes", sum(n for _, n in counted[len(kept) :]))]


def causes(figures: stats.BoardFigures) -> Chart:
    figure, axes = _figure("Causes of breaches (the ICO's incident types)")
    rows = list(reversed(_top(figures.causes)))
    names, counts = [name for name, _ in rows], [n for _, n in rows]
    colours = ["#bbbbbb" if name == stats.NOT_CATEGORISED else REPORT_COLOUR for name in names]
    bars = axes.barh(range(len(names)), counts, color=colours)
    axes.bar_label(bars, fontsize=8, padding=2)
    axes.set_yticks(range(len(names)), names)
    _counts_from_zero(axes, horizontal=True, empty=None if rows else "No breaches in this period")
    axes.yaxis.grid(False)
    axes.xaxis.grid(True, color="#dddddd")
    axes.set_xlabel("Breaches")
    return Chart("causes", "Causes of breaches (the ICO's incident types)", _png(figure))


def near_misses(figures: stats.BoardFigures) -> Chart:
    figure, axes = _figure(f"Near misses each month: {figures.near_misses} in all")
    labels = [m.label for m in figures.months]
    counts = [m.near_misses for m in figures.months]
    bars = axes.bar(range(len(labels)), counts, color=NEAR_MISS_COLOUR, width=0.7)
    axes.bar_label(bars, labels=[str(c) if c else "" for c in counts], fontsize=8, padding=2)
    _month_ticks(axes, labels)
    _counts_from_zero(axes, empty=None if figures.near_misses else "No near misses in this period")
    axes.set_ylabel("Near misses")
    return Chart("near-misses", "Near misses each month", _png(figure))


CHARTS = (breaches_by_month, reported_on_time, time_to_act, causes, near_misses)


def all_charts(figures: stats.BoardFigures) -> list[Chart]:
    return [draw(figures) for draw in CHARTS]
