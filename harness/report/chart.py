"""Pass rate per requirement over the stored cycles, as one inline SVG picture.

Small multiples: one row per requirement, one bar per cycle (oldest left), bar height = pass
rate, colour by rate (green 100 %, amber >= 50 %, red below, grey hatch = nothing executed).
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
    for entries in history.values():
        for entry in entries:
            if entry["cycle_id"] not in cycles:
                cycles.append(str(entry["cycle_id"]))
    n = max(1, len(cycles))
    heading = f"{title} ({len(cycles)} cycle{'s' if len(cycles) != 1 else ''}, oldest left)"
    width = max(LABEL_W + n * (BAR_W + GAP) + RATE_W, 8 * len(heading))  # 12 px bold: about 7 px a character
    height = TOP + max(1, len(history)) * ROW_H + 18
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
            parts.append(
                f'<rect class="bar" x="{x}" y="{base - h:.1f}" width="{BAR_W}" height="{h:.1f}"'
                f' fill="{rate_colour(rate)}"{opacity}>'
                f"<title>{escape(requirement)} in {escape(cycle_id)}: {escape(label)}</title></rect>"
            )
        if last is not None:
            rate = last.get("rate")
            text = "n/a" if rate is None else f"{rate * 100:.0f}%"
            parts.append(
                f'<text x="{LABEL_W + n * (BAR_W + GAP) + 8}" y="{base - 4}" font-size="12"'
                f' fill="{rate_colour(rate)}">{escape(text)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
