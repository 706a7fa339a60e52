"""Pass rate per requirement over the stored cycles, as one inline SVG picture.

Small multiples: one row per requirement, one bar per cycle (oldest left), bar height = pass
rate, colour by rate (green 100 %, amber >= 50 %, red below, grey hatch = nothing executed).
The x-axis names each cycle (start time and id, rotated); an incomplete cycle's bars have a
dashed outline and its label says "(incomplete)".
Every label is escaped; the SVG uses presentation attributes only (no ``style`` attributes,
no scripts), so it is allowed by the report's Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

ROW_H = 28
BAR_W = 14
GAP = 4
LABEL_W = 190
RATE_W = 70
TOP = 22

GREEN, AMBER, RED, GREY = "#2e7d32", "#f9a825", "#c62828", "#bdbdbd"


def rate_colour(rate: float | None) -> str:
    if rate is None:
        return GREY
    if rate >= 1.0:
        return GREEN
    return AMBER if rate >= 0.5 else RED


def pass_rate_svg(history: Mapping[str, Sequence[Mapping[str, Any]]], *, title: str = "Pass rate per requirement") -> str:
    """SVG markup for ``{requirement: [history entries oldest first]}`` (entries as
    :meth:`CycleStore.history` returns them: ``cycle_id``, ``rate``, ``executed``...)."""
    cycles: list[str] = []
    about: dict[str, Mapping[str, Any]] = {}
    for entries in history.values():
        for entry in entries:
            if entry["cycle_id"] not in cycles:
                cycles.append(str(entry["cycle_id"]))
                about[str(entry["cycle_id"])] = entry
    n = max(1, len(cycles))
    heading = f"{title} ({len(cycles)} cycle{'s' if len(cycles) != 1 else ''}, oldest left)"
    width = max(LABEL_W + n * (BAR_W + GAP) + RATE_W, 8 * len(heading))  # 12 px bold: about 7 px a character
    axis_y = TOP + max(1, len(history)) * ROW_H + 4
    height = axis_y + (AXIS_H if cycles else 18)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="14" font-size="12" font-weight="bold" fill="#222">{escape(heading)}</text>',
    ]
    if not history:
        parts.append(f'<text x="0" y="{TOP + 16}" font-size="12" fill="#555">no requirement results stored</text>')
    for row, (requirement, entries) in enumerate(sorted(history.items())):
        y0 = TOP + row * ROW_H
        base = y0 + ROW_H - 6
        parts.append(f'<text x="0" y="{base - 4}" font-size="12" fill="#222">{escape(requirement)}</text>')
        parts.append(
            f'<line x1="{LABEL_W}" y1="{base}" x2="{LABEL_W + n * (BAR_W + GAP)}" y2="{base}" stroke="#999" stroke-width="1"/>'
        )
        by_cycle = {str(e["cycle_id"]): e for e in entries if e.get("tests", 1)}  # absent from a cycle: no bar
        last: Mapping[str, Any] | None = None
        for col, cycle_id in enumerate(cycles):
            if cycle_id not in by_cycle:
                continue
            entry = last = by_cycle[cycle_id]
            rate = entry.get("rate")
            full = ROW_H - 10
            h = full if rate is None else max(1.0, full * float(rate))
            x = LABEL_W + col * (BAR_W + GAP)
            label = "nothing executed" if rate is None else f"{rate * 100:.0f}% of {entry.get('executed', 0)} executed"
            opacity = ' fill-opacity="0.5"' if rate is None else ""
            incomplete = _incomplete(entry)
            outline = ' stroke="#222" stroke-width="1" stroke-dasharray="2 2"' if incomplete else ""
            label += " (incomplete cycle)" if incomplete else ""
            parts.append(
                f'<rect class="bar" x="{x}" y="{base - h:.1f}" width="{BAR_W}" height="{h:.1f}"'
                f' fill="{rate_colour(rate)}"{opacity}{outline}>'
                f"<title>{escape(requirement)} in {escape(cycle_id)}: {escape(label)}</title></rect>"
            )
        if last is not None:
            rate = last.get("rate")
            text = "n/a" if rate is None else f"{rate * 100:.0f}%"
            parts.append(
                f'<text x="{LABEL_W + n * (BAR_W + GAP) + 8}" y="{base - 4}" font-size="12"'
                f' fill="{rate_colour(rate)}">{escape(text)}</text>'
            )
    for col, cycle_id in enumerate(cycles):  # the x-axis: one rotated label per cycle
        x = LABEL_W + col * (BAR_W + GAP) + BAR_W - 3
        entry = about[cycle_id]
        text = f"{_short_time(entry.get('started'))} {cycle_id}" + (" (incomplete)" if _incomplete(entry) else "")
        parts.append(f'<text class="axis" x="{x}" y="{axis_y}" font-size="10" fill="#444"'
                     f' transform="rotate(90 {x} {axis_y})">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


AXIS_H = 250  # room for the rotated cycle labels


def _incomplete(entry: Mapping[str, Any]) -> bool:
    return entry.get("state") not in (None, "complete")


def _short_time(started: Any) -> str:
    """``2026-12-01T22:20:21+00:00`` -> ``12-01 22:20``."""
    text = str(started or "")
    return f"{text[5:10]} {text[11:16]}" if len(text) >= 16 else text
