"""The compliance report: one self-contained HTML file rendered from the cycle store alone.

Used by ``harness run`` (after the benches finish) and ``harness report ID`` (rebuild). Every
value from a record is escaped by a Jinja2 environment with ``autoescape=True``; the page has
no scripts and no event handlers, and its Content-Security-Policy forbids scripts outright.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from harness import __version__
from harness.records import ExchangeRecord, TestRecord
from harness.report.chart import pass_rate_svg
from harness.report.mask import headline, judge, severity_of
from harness.report.store import CycleStore, bench_name, final_outcomes, record_key
from harness.vocabulary import BENCH_ERROR, FAILING, NOT_FAILING, Outcome
from harness.vocabulary import SEVERITY_NAMES as SEVERITIES

TEMPLATES = Path(__file__).with_name("templates")
NO_REQUIREMENT = "(no requirement)"
CHART_CYCLES = 20


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _css() -> tuple[str, str]:
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    csp = (
        "default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
        f"img-src data:; style-src 'sha256-{digest}'"
    )
    return css, csp


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


TREE_INLINE = 96


def _tree(value: Any, indent: str) -> tuple[str, list[str]]:
    """(the value on one line, the value as indented lines) in one bottom-up pass."""
    if isinstance(value, Mapping):
        parts, lines = [], []
        for key, item in value.items():
            flat, sub = _tree(item, indent + "  ")
            parts.append(f"{key}: {flat}")
            if sub and len(indent) + len(str(key)) + len(flat) > TREE_INLINE:
                lines.append(f"{indent}{key}:")
                lines.extend(sub)
            else:
                lines.append(f"{indent}{key}: {flat}")
        return "{" + ", ".join(parts) + "}", lines
    if isinstance(value, (list, tuple)):
        parts, lines = [], []
        for item in value:
            flat, sub = _tree(item, indent + "  ")
            parts.append(flat)
            if sub and len(indent) + len(flat) + 2 > TREE_INLINE:
                lines.append(f"{indent}-")
                lines.extend(sub)
            else:
                lines.append(f"{indent}- {flat}")
        return "[" + ", ".join(parts) + "]", lines
    return ("null" if value is None else str(value)), []


def tree_text(value: Any) -> str:
    """A decoded tree as indented text: one field a line, small sub-trees kept on one line
    (much shorter than indented JSON: the report carries thousands of them)."""
    flat, lines = _tree(value, "")
    return "\n".join(lines) if lines else flat


def capture_href(value: Any) -> str:
    """A record's capture path as a link target: relative paths only (no scheme, no absolute
    path, no ``..``), percent-encoded; anything else gives "" (no link). The template escapes it."""
    if not isinstance(value, str) or not value:
        return ""
    text = value.replace("\\", "/")
    if text.startswith("/") or ":" in text or ".." in text.split("/"):
        return ""
    return urllib.parse.quote(text, safe="/")


def _device_rows(records: Sequence[TestRecord]) -> dict[str, dict[str, Any]]:
    benches: dict[str, dict[str, Any]] = {}
    for record in records:
        name = bench_name(record)
        bench = record.bench
        entry = benches.setdefault(
            name,
            {"name": name, "path": _text(bench.path), "connection": _text(bench.connection and bench.connection.value),
             "description": _text(bench.description), "devices": [], "_seen": set()},
        )
        for device in record.devices:
            ident = (device.role.value, device.eui, device.firmware)
            if ident in entry["_seen"]:
                continue
            entry["_seen"].add(ident)
            entry["devices"].append(
                {"role": device.role.value, "eui": device.eui, "name": device.name,
                 "manufacturer": device.manufacturer, "model": device.model, "firmware": device.firmware,
                 "profile": _text(device.profile), "faults": list(device.faults)}
            )
    for entry in benches.values():
        entry.pop("_seen")
    return benches


def _exchange(x: ExchangeRecord, full: bool) -> dict[str, Any]:
    """One exchange for the page: in full (hex, decoded tree, date-times in words) for a test that
    did not pass; its one-line summary for a passed one (its bytes stay in the store and the
    records: a full PIT cycle's decoded traffic in full is ~25 MB of HTML)."""
    out: dict[str, Any] = {"direction": x.direction, "use_case": x.use_case, "time": x.time, "summary": x.summary}
    if not full:
        return out
    out.update(hex=x.hex, tree=tree_text(x.decoded), datetimes=list(x.datetimes or []))
    return out


def traffic_summary(exchanges: Sequence[ExchangeRecord]) -> str:
    """A passed test's traffic in one line: ``12 exchanges: ECS19 tx 3 / rx 3, ECS07r tx 1 / rx 1``."""
    counts: dict[str, dict[str, int]] = {}
    for x in exchanges:
        per = counts.setdefault(x.use_case or "?", {})
        direction = x.direction or "?"
        per[direction] = per.get(direction, 0) + 1
    parts = [f"{uc} " + " / ".join(f"{d} {n}" for d, n in per.items()) for uc, per in counts.items()]
    return f"{len(exchanges)} exchange{'s' if len(exchanges) != 1 else ''}: " + ", ".join(parts)


def _flaky(outcomes: Sequence[str]) -> bool:
    """Passed (or waived) in the end after a failing attempt: a rerun changed the result."""
    return bool(outcomes) and outcomes[-1] in NOT_FAILING and any(o in FAILING for o in outcomes[:-1])


def _cell_verdict(outcomes: Sequence[str]) -> str:
    """Failed beats inconclusive (a bench error) beats waived beats passed beats skipped."""
    if any(o in FAILING for o in outcomes):
        return "failed"
    if any(o in (BENCH_ERROR, "inconclusive") for o in outcomes):
        return "inconclusive"
    if "waived" in outcomes:
        return "waived"
    if "passed" in outcomes:
        return "passed"
    return "skipped"


SYMBOLS = {"passed": "\u2713", "failed": "\u2717", "error": "E", "waived": "W", "skipped": "\u2013",
           BENCH_ERROR: "B"}


def _trace_rows(requirement: str, by_bench: Mapping[str, Sequence[Mapping[str, str]]],
                bench_list: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per test of a requirement: its verdict on every bench (symbol, link, words)."""
    names: list[str] = []
    for found in by_bench.values():
        names.extend(t["name"] for t in found if t["name"] not in names)
    rows = []
    for name in sorted(names):
        cells = []
        for bench in bench_list:
            hit = next((t for t in by_bench.get(bench["name"], []) if t["name"] == name), None)
            cells.append(None if hit is None else {
                "outcome": hit["outcome"], "anchor": hit["anchor"],
                "symbol": SYMBOLS.get(hit["outcome"], "?"), "title": f"{name} on {bench['name']}: {hit['outcome']}"})
        rows.append({"name": name, "cells": cells,
                     "verdict": _cell_verdict([c["outcome"] for c in cells if c])})
    return rows


def build_context(cycle: Mapping[str, Any], records: Sequence[TestRecord],
                  history: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, Any]:
    """Everything the template shows, from one cycle row, its records and the pass-rate history."""
    meta = cycle.get("meta") or {}
    finals = final_outcomes(records)
    attempts: dict[tuple[str, str], list[str]] = {}
    for record in records:
        attempts.setdefault(record_key(record), []).append(record.outcome.value)

    benches = _device_rows(records)
    for name in meta.get("bench_names") or []:
        benches.setdefault(str(name), {"name": str(name), "path": "", "connection": "", "description": "",
                                       "devices": []})
    bench_list = sorted(benches.values(), key=lambda b: b["name"])
    roles: list[str] = []
    for entry in bench_list:
        entry["by_role"] = {}
        for device in entry["devices"]:
            entry["by_role"].setdefault(device["role"], []).append(device)
            if device["role"] not in roles:
                roles.append(device["role"])

    tests: list[dict[str, Any]] = []
    anchors: dict[tuple[str, str], str] = {}
    for i, (key, record) in enumerate(sorted(finals.items(), key=lambda kv: (kv[0][1], kv[0][0])), start=1):
        anchors[key] = f"t{i}"
        failure, waiver, outcome = record.failure, record.waiver, record.outcome
        full = outcome not in (Outcome.PASSED, Outcome.SKIPPED, Outcome.WAIVED)
        tests.append(
            {
                "anchor": f"t{i}",
                "nodeid": key[1],
                "bench": key[0],
                "name": record.name or key[1],
                "outcome": outcome.value,
                "severity": severity_of(record),
                "requirements": list(record.requirements),
                "started": record.started,
                "duration": f"{record.duration_s:.3f} s",
                "attempts": len(attempts.get(key, [])),
                "flaky": _flaky(attempts.get(key, [])),
                "attempt_outcomes": attempts.get(key, []),
                "skip_reason": _text(record.skip_reason),
                "capture": capture_href(record.capture),
                "waiver": {"reason": waiver.reason, "requirement": _text(waiver.requirement)} if waiver else None,
                "failure": {"message": failure.message, "text": failure.text} if failure else None,
                "measurements": [
                    {k: _text(getattr(m, k)) for k in ("name", "value", "units", "low", "high", "expected", "verdict")}
                    for m in record.measurements
                ],
                "full_traffic": full,
                "compact": outcome is Outcome.PASSED and not _flaky(attempts.get(key, [])),
                "traffic": traffic_summary(record.exchanges),
                "exchanges": [_exchange(x, full) for x in record.exchanges],
            }
        )

    by_requirement: dict[str, dict[str, list[dict[str, str]]]] = {}
    waivers: list[dict[str, str]] = []
    for key, record in finals.items():
        for requirement in record.requirements or [NO_REQUIREMENT]:
            by_requirement.setdefault(requirement, {}).setdefault(key[0], []).append(
                {"anchor": anchors[key], "name": record.name or key[1], "outcome": record.outcome.value}
            )
        w = record.waiver
        if record.outcome is Outcome.WAIVED or w is not None:
            waivers.append({"anchor": anchors[key], "nodeid": key[1], "bench": key[0],
                            "requirement": _text(w and w.requirement), "reason": w.reason if w else ""})
    matrix = []
    for requirement in sorted(by_requirement, key=lambda r: (r == NO_REQUIREMENT, r)):
        cells = []
        for bench in bench_list:
            found = by_requirement[requirement].get(bench["name"])
            cells.append({"verdict": _cell_verdict([t["outcome"] for t in found]), "tests": found} if found else None)
        req_verdict = _cell_verdict([str(c["verdict"]) for c in cells if c])
        # every test of the requirement skipped: the bench could not verify it (not a pass, not a fail)
        words = ("not verified on this bench" if len(bench_list) == 1 else "not verified on these benches") \
            if req_verdict == "skipped" else req_verdict
        matrix.append({"requirement": requirement, "cells": cells, "verdict": req_verdict, "verdict_words": words,
                       "tests": _trace_rows(requirement, by_requirement[requirement], bench_list)})

    stored = cycle.get("verdict")
    cycle_capture = capture_href(stored.get("capture")) if isinstance(stored, Mapping) else ""
    verdict = judge(cycle, records)
    outcome_counts: dict[str, int] = {}
    for record in finals.values():
        outcome_counts[record.outcome.value] = outcome_counts.get(record.outcome.value, 0) + 1
    versions = {r.harness_version for r in records if r.harness_version}
    css, csp = _css()
    return {
        "cycle": {"id": _text(cycle.get("id")), "started": _text(cycle.get("started")), "finished": _text(cycle.get("finished"))},
        "harness_version": ", ".join(sorted(versions)) or _text(meta.get("harness_version")) or __version__,
        "renderer_version": __version__,
        "profile_set": _text(meta.get("profile_set")),
        "cycle_capture": cycle_capture,
        "benches": bench_list,
        "roles": roles,
        "totals": {"total": len(finals), "outcomes": sorted(outcome_counts.items()),
                   "flaky": sum(1 for t in tests if t["flaky"])},
        "verdict": verdict,
        "headline": headline(verdict),
        "state": _text(cycle.get("state")),
        "resume_command": _text(meta.get("resume_command")) or f"harness run --resume {_text(cycle.get('id'))}",
        "bench_error_reasons": _bench_error_reasons(verdict["bench_errors"]),
        "severities": SEVERITIES,
        "matrix": matrix,
        "waivers": sorted(waivers, key=lambda w: (w["nodeid"], w["bench"])),
        "tests": tests,
        "chart_svg": Markup(pass_rate_svg(history)),  # noqa: S704 - pass_rate_svg escapes every label
        "chart_scope": _text(meta.get("profile_set")) or "benches " + ", ".join(
            str(b) for b in meta.get("bench_names") or []),
        "css": css,
        "csp": csp,
    }


def _bench_error_reasons(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Bench errors grouped by (bench, reason): one line per cause, with the tests it hit."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for e in errors:
        grouped.setdefault((_text(e.get("bench")), _text(e.get("reason"))), []).append(_text(e.get("nodeid")))
    return [{"bench": b, "reason": r, "tests": len(t)} for (b, r), t in grouped.items()]


def render_html(cycle: Mapping[str, Any], records: Sequence[TestRecord],
                history: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """The report page as a string."""
    return _environment().get_template("report.html").render(**build_context(cycle, records, history))


def profile_set_key(cycle: Mapping[str, Any]) -> str:
    """What makes cycles comparable in the history chart: the same profile set, or (benches
    given directly) the same bench names."""
    meta = cycle.get("meta") or {}
    if meta.get("profile_set"):
        return f"set:{meta['profile_set']}"
    return "benches:" + ",".join(sorted(str(b) for b in meta.get("bench_names") or []))


def render_cycle(store: CycleStore, cycle_id: str, out: str | Path | None = None, *,
                 records: Sequence[TestRecord] | None = None) -> str:
    """Render cycle ``cycle_id`` from the store alone; write it to ``out`` when given.
    ``records``: the cycle's records as ``store.records(cycle_id)`` just gave them (a caller that
    read them already saves reading a full cycle's records again)."""
    cycle = store.cycle(cycle_id)
    if cycle is None:
        raise KeyError(f"no cycle {cycle_id!r} in {store.path}")
    if records is None:
        records = store.records(cycle_id)
    same_set = [c for c in store.cycles() if profile_set_key(c) == profile_set_key(cycle)]
    history = {
        requirement: store.history(requirement, until=cycle_id, last=CHART_CYCLES, cycles=same_set)
        for requirement in store.requirements([cycle_id])
    }
    page = render_html(cycle, records, history)
    if out is not None:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(path)
    return page
