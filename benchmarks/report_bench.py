"""Size and open time of a full PIT cycle's report (targets: report.html <= 5 MB, load event
<= 2 s in headless Chromium, cycle folder <= 30 MB).

    python3 benchmarks/report_bench.py                      # runs one PIT cycle into a temp folder
    python3 benchmarks/report_bench.py --store S --reports R --cycle ID   # reuses a stored cycle

What it reuses: with ``--store/--cycle`` an existing cycle (its records; the report is rendered
again from the store); otherwise it runs ``harness run`` on the PIT matrix once and measures
that. Reported: report.html size, the cycle folder's size (and its biggest parts), the render
time (median of 3), and the open time in headless Chromium.

Open time. The report forbids scripts (CSP), so the page cannot time itself; ``chromium
--headless --dump-dom`` returns after the load event. Open time = median wall time of dumping
the report minus the median for an empty page (browser start-up), 5 runs each, interleaved.
On a loaded machine both medians grow; the 1-minute load average is printed beside them.
Reports only: it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.cli import main
from harness.report.html import render_cycle
from harness.report.store import CycleStore

MAX_REPORT_MB, MAX_OPEN_S, MAX_FOLDER_MB = 5.0, 2.0, 30.0
MB = 1024 * 1024


def chromium() -> str | None:
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


def dump_seconds(browser: str, page: Path, profile: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
                   capture_output=True, timeout=300, check=True)
    return time.perf_counter() - t0


def open_time(report: Path, runs: int = 5) -> tuple[float, float, float] | None:
    """(median for the report, median for an empty page, difference) in seconds."""
    browser = chromium()
    if browser is None:
        return None
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        empty = Path(tmp) / "empty.html"
        empty.write_text("<!DOCTYPE html><html><head><title>e</title></head><body></body></html>", encoding="utf-8")
        page, base = [], []
        for i in range(runs):
            base.append(dump_seconds(browser, empty, Path(tmp) / f"p{i}a"))
            page.append(dump_seconds(browser, report, Path(tmp) / f"p{i}b"))
    p, b = statistics.median(page), statistics.median(base)
    return p, b, max(0.0, p - b)


def folder_sizes(folder: Path) -> tuple[int, dict[str, int]]:
    parts: dict[str, int] = {}
    total = 0
    for path in folder.rglob("*"):
        if path.is_file():
            size = path.stat().st_size
            total += size
            top = path.relative_to(folder).parts[0]
            key = top if (folder / top).is_dir() else (top.split("-", 1)[0] if top.startswith(("pytest-html", "junit-"))
                                                      else top)
            parts[key] = parts.get(key, 0) + size
    return total, parts


def run_cycle(root: Path) -> tuple[Path, Path, str]:
    store, reports, cycle = root / "cycles.sqlite", root / "reports", "CBENCH"
    with contextlib.redirect_stdout(io.StringIO()):
        status = main(["run", "--cycle-id", cycle, "--store", str(store), "--reports", str(reports)])
    print(f"harness run on the PIT matrix: exit status {status}")
    return store, reports, cycle


def measure(store: Path, reports: Path, cycle: str) -> None:
    folder = reports / cycle
    with CycleStore(store) as s:
        records = len(s.records(cycle))
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            render_cycle(s, cycle, folder / "report.html")
            times.append(time.perf_counter() - t0)
    report = folder / "report.html"
    size = report.stat().st_size
    total, parts = folder_sizes(folder)
    print(f"cycle {cycle}: {records} records")
    print(f"report.html: {size / MB:.2f} MB (target <= {MAX_REPORT_MB:g} MB, ratio {size / MB / MAX_REPORT_MB:.2f});"
          f" render median {statistics.median(times):.2f} s")
    print(f"cycle folder: {total / MB:.1f} MB (target <= {MAX_FOLDER_MB:g} MB, ratio {total / MB / MAX_FOLDER_MB:.2f});"
          " biggest: " + ", ".join(f"{k} {v / MB:.1f} MB" for k, v in sorted(parts.items(), key=lambda kv: -kv[1])[:5]))
    opened = open_time(report)
    if opened is None:
        print("open time: chromium not installed")
        return
    page, base, diff = opened
    print(f"open time (load event, headless Chromium): {diff:.2f} s (target <= {MAX_OPEN_S:g} s, ratio"
          f" {diff / MAX_OPEN_S:.2f}); medians: report {page:.2f} s, empty page {base:.2f} s;"
          f" load average {os.getloadavg()[0]:.1f}")


def main_bench(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store")
    parser.add_argument("--reports")
    parser.add_argument("--cycle")
    args = parser.parse_args(argv)
    if args.store and args.reports and args.cycle:
        measure(Path(args.store), Path(args.reports), args.cycle)
        return 0
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        measure(*run_cycle(Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main_bench())
