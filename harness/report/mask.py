"""The defect mask: the most open failures a cycle may have per severity (S1 worst .. S4).

A cycle meets its mask when, counting the final outcome of every (bench, test), the failed and
errored tests of each severity are no more than that severity's limit. Passed, waived (expected
deviation) and skipped tests never count. A record without a severity is S3; a severity that is
not S1..S4 is refused when the record is read (``RecordError``: never hide a failure behind a typo).

Limits come from, later winning: all zero, the profile set's ``defect_mask``, ``harness run
--mask S1=0,S2=0,S3=2``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from harness.records import TestRecord
from harness.report.store import final_outcomes
from harness.vocabulary import FAILING, DefectMask, Outcome
from harness.vocabulary import SEVERITY_NAMES as SEVERITIES

__all__ = ["DefectMask", "evaluate", "headline", "judge", "severity_of"]


def severity_of(record: TestRecord) -> str:
    """The record's severity, S1..S4."""
    return record.severity.value


def evaluate(mask: DefectMask, records: Iterable[TestRecord]) -> dict[str, Any]:
    """The verdict of ``records`` against ``mask``: ``{"met", "counts", "limits", "exceeded",
    "open_failures", "outcomes"}``."""
    counts = {s: 0 for s in SEVERITIES}
    outcomes: dict[str, int] = {}
    open_failures: list[dict[str, str]] = []
    for record in final_outcomes(records).values():
        outcome = record.outcome.value
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome in FAILING:
            severity = severity_of(record)
            counts[severity] += 1
            bench, nodeid = record.key
            open_failures.append({"bench": bench, "nodeid": nodeid, "severity": severity, "outcome": outcome})
    exceeded = mask.exceeded(counts)
    return {
        "met": not exceeded,
        "counts": counts,
        "limits": mask.to_dict(),
        "exceeded": exceeded,
        "open_failures": open_failures,
        "outcomes": outcomes,
    }


# Exit statuses of `harness run` (and of every command that judges a cycle).
EXIT_MET, EXIT_NOT_MET, EXIT_USAGE, EXIT_INCONCLUSIVE = 0, 1, 2, 3
STATUS_WORDS = {"met": "MET", "not_met": "NOT MET", "inconclusive": "INCONCLUSIVE", "running": "RUNNING"}


def judge(cycle: Mapping[str, Any], records: Iterable[TestRecord]) -> dict[str, Any]:
    """The verdict of a stored cycle, the same for ``harness run``, ``cycles`` and the report.

    ``status`` is ``met`` / ``not_met`` only for a *complete* cycle without bench errors;
    ``inconclusive`` when the cycle is incomplete (killed, a bench never ran or crashed) or a
    test ended in a bench error (those never count against the mask: the harness could not
    ask); ``running`` while ``harness run`` is still at work. ``met`` is True only for ``met``.
    ``mask_met`` is the mask over the tests that did run (an inconclusive cycle that already
    exceeds its mask will not be met). ``exit`` is the command's exit status."""
    records = list(records)
    meta = cycle.get("meta") or {}
    limits = meta.get("mask") if isinstance(meta.get("mask"), Mapping) else {}
    verdict = evaluate(DefectMask.from_mapping(limits, source="cycle meta"), records)
    lifecycle = cycle.get("lifecycle") or {"state": cycle.get("state") or "incomplete", "missing": [], "reason": ""}
    bench_errors = []
    inconclusive: set[str] = set()
    for record in final_outcomes(records).values():
        if record.outcome is not Outcome.BENCH_ERROR:
            continue
        bench, nodeid = record.key
        requirements = list(record.requirements)
        inconclusive.update(requirements)
        reason = (record.failure.message if record.failure else "") or "bench error"
        reason = reason[len("bench error: "):] if reason.startswith("bench error: ") else reason
        bench_errors.append({"bench": bench, "nodeid": nodeid, "reason": reason,
                             "requirements": requirements})
    state = str(lifecycle.get("state") or "incomplete")
    if state == "running":
        status = "running"
    elif state != "complete" or bench_errors:
        status = "inconclusive"
    else:
        status = "met" if verdict["met"] else "not_met"
    verdict.update({
        "mask_met": verdict["met"],
        "met": status == "met",
        "status": status,
        "state": state,
        "state_reason": str(lifecycle.get("reason") or ""),
        "missing_benches": list(lifecycle.get("missing") or []),
        "bench_errors": bench_errors,
        "inconclusive_requirements": sorted(inconclusive),
        "exit": {"met": EXIT_MET, "not_met": EXIT_NOT_MET}.get(status, EXIT_INCONCLUSIVE),
    })
    return verdict


def headline(verdict: Mapping[str, Any]) -> str:
    """One line for a terminal or a banner: ``defect mask MET`` / ``NOT MET`` / ``INCONCLUSIVE: ...``."""
    status = str(verdict.get("status"))
    if status in ("met", "not_met"):
        return f"defect mask {STATUS_WORDS[status]}"
    reasons = []
    if verdict.get("state") == "running":
        reasons.append("cycle still running")
    elif verdict.get("state") != "complete":
        missing = verdict.get("missing_benches") or []
        reasons.append("incomplete: " + (f"{len(missing)} bench(es) did not run to the end"
                                         if missing else str(verdict.get("state_reason") or "not closed by harness run")))
    errors = verdict.get("bench_errors") or []
    if errors:
        reasons.append(f"bench error in {len(errors)} test(s), {len({e['bench'] for e in errors})} bench(es)")
    if not verdict.get("mask_met"):
        reasons.append("the tests that ran already exceed the mask")
    word = "RUNNING" if status == "running" else "INCONCLUSIVE"
    return f"defect mask {word}: " + "; ".join(reasons)
