"""Server-side SVG charts (matplotlib, no JavaScript, nothing fetched at run time).

Each chart is one SVG marked as an image for screen readers (``role="img"``, named by the
caption the page puts next to it); the page also gives a text summary and the data table
under every chart, so the numbers never depend on seeing the picture. Inline styles become
SVG attributes: the studio's Content-Security-Policy allows no inline style.
"""

from __future__ import annotations

import io
import re
import threading
from functools import lru_cache
from typing import List, Mapping, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")  # no display; must come before the figure module is used

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

_LOCK = threading.Lock()  # matplotlib's text layout is not thread-safe; waitress has threads
COLOURS = ("#1f5f8b", "#e08a1e", "#6a51a3", "#c0392b", "#2e8b57", "#7f8c8d")
MAX_TICKS = 12
CACHED_CHARTS = 64
_HEAD = re.compile(r"^.*?(?=<svg)", re.S)
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>", re.S)
_STYLE_ATTRIBUTE = re.compile(r'style="([^"]*)"')
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.S)


def _presentation_attributes(match: "re.Match[str]") -> str:
    """``style="fill: #fff; stroke: none"`` -> ``fill="#fff" stroke="none"``: the studio's
    Content-Security-Policy allows no inline styles, and SVG attributes are not styles."""
    pairs = (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
    return " ".join(f'{name.strip()}="{value.strip()}"' for name, value in pairs)


def _ticks(labels: Sequence[str]) -> Tuple[List[float], List[str]]:
    """At most MAX_TICKS labelled positions: every tick costs matplotlib a text object."""
    step = max(1, -(-len(labels) // MAX_TICKS))
    shown = range(0, len(labels), step)
    return [float(i) for i in shown], [labels[i] for i in shown]


def bar_chart(
    caption_id: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    horizontal: bool = False,
    stacked: bool = False,
    percent: bool = False,
) -> str:
    """An SVG bar chart; ``series`` maps a legend name to one value per label. The same
    figures give the same picture, drawn once (a reload of the page draws nothing)."""
    frozen = tuple((name, tuple(values)) for name, values in series.items())
    return _drawn(caption_id, tuple(labels), frozen, horizontal, stacked, percent)


@lru_cache(maxsize=CACHED_CHARTS)
def _drawn(
    caption_id: str,
    labels: Tuple[str, ...],
    frozen: Tuple[Tuple[str, Tuple[float, ...]], ...],
    horizontal: bool,
    stacked: bool,
    percent: bool,
) -> str:
    series = dict(frozen)
    with _LOCK:
        height = max(2.6, 0.32 * len(labels) + 0.8) if horizontal else 2.8
        figure = Figure(figsize=(7.2, height), dpi=96)
        axes = figure.add_subplot()
        positions = [float(p) for p in range(len(labels))]
        bottom: List[float] = [0.0] * len(labels)
        count = max(1, len(series))
        width = 0.8 if stacked or count == 1 else 0.8 / count
        for index, (name, values) in enumerate(series.items()):
            colour = COLOURS[index % len(COLOURS)]
            shift = 0.0 if stacked else width * (index + 0.5) - 0.4
            where = [p + shift for p in positions]
            if horizontal:
                axes.barh(where, values, height=width, left=bottom, label=name, color=colour)
            else:
                axes.bar(where, values, width=width, bottom=bottom, label=name, color=colour)
            if stacked:
                bottom = [float(b + v) for b, v in zip(bottom, values, strict=True)]
        if horizontal:
            axes.set_yticks(positions)
            axes.set_yticklabels(labels, fontsize=8)
            axes.invert_yaxis()
        else:
            where_ticks, tick_labels = _ticks(labels)
            axes.set_xticks(where_ticks)
            axes.set_xticklabels(tick_labels, fontsize=8, rotation=30, ha="right")
        values_axis = axes.xaxis if horizontal else axes.yaxis
        if percent:
            axes.set_ylim(0, 100)
        else:  # counts: whole numbers from 0, and an empty chart is not drawn below zero
            values_axis.set_major_locator(MaxNLocator(integer=True))
            columns = list(zip(*series.values(), strict=True))
            top = max((sum(c) if stacked else max(c)) for c in columns) if columns else 0
            limit = (0, max(1.0, float(top) * 1.05))
            if horizontal:
                axes.set_xlim(*limit)
            else:
                axes.set_ylim(*limit)
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(labelsize=8)
        if len(series) > 1:  # beside the plot, never over the bars
            axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    svg = _HEAD.sub("", out.getvalue(), count=1)
    svg = _METADATA.sub("", _STYLE_ELEMENT.sub("", svg))
    svg = _STYLE_ATTRIBUTE.sub(_presentation_attributes, svg)
    return svg.replace(
        "<svg ", f'<svg role="img" aria-labelledby="{caption_id}" focusable="false" ', 1
    )
