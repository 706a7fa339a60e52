"""``harness run``: the main job. One full regression cycle over every bench of a profile set.

One pytest session ``<suites> --bench B --cycle-store S --cycle-id C`` in its own process per
bench (up to ``--parallel`` at once), forked from a warm forkserver (``bench_process``); progress
is read back from the cycle store; afterwards the report, merged JUnit XML and raw records are
written to ``reports/<cycle-id>/`` and the verdict is stored and printed. The cycle is *complete*
only when every bench's pytest ended; otherwise (a bench crashed, the run was killed) it is
*incomplete* and ``harness run --resume ID`` runs the benches that did not end (and those with
bench errors) into the same cycle.

exit status:
  0  complete, defect mask met
  1  complete, defect mask not met
  2  usage or profile error (nothing stored, no cycle created)
  3  inconclusive: incomplete cycle, or a test ended in a bench error (port missing or
     vanished, line corrupted, emulator crashed, harness bug): never counted against the mask
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import multiprocessing
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from harness import __version__, pycache_dir
from harness.commands import bench_process
from harness.errors import CapabilityMissing, DecodeError, HarnessError, ProfileError
from harness.records import TestRecord
from harness.report.db import display as store_display
from harness.report.db import exists as store_exists
from harness.report.html import render_cycle
from harness.report.mask import headline, judge
from harness.report.store import (
    BENCH_ERROR,
    DEFAULT_STORE,
    FAILING,
    CycleStore,
    pytest_end_problem,
    record_key,
    store_location,
)
from harness.vocabulary import DefectMask

DEFAULT_REPORTS = "reports"
DEFAULT_SUITES = "tests/compliance"
POLL_S = 0.25
CAPTURES = "captures"  # per-test pcapng files: <reports>/<cycle-id>/captures/<bench>/<test>.pcapng
CYCLE_CAPTURE = "cycle.pcapng"


def register(sub: Any) -> None:
    from harness.commands.common import add_env_option, plain

    p = sub.add_parser("run", help="run one regression cycle over every bench of a profile set (exit 0 met, 1 not met, 2 usage, 3 inconclusive)",
                       description=plain(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_env_option(p, "--profile-set", env="HARNESS_PROFILE_SET", metavar="PATH",
                   help="profile set (default device_profiles/sets/pit-matrix.yaml)")
    p.add_argument("--bench", metavar="PATH", action="append", default=[],
                   help="bench profile to run on instead of a profile set (repeatable)")
    p.add_argument("--parallel", type=int, default=max(1, min(4, os.cpu_count() or 1)),
                   help="benches run at once (default: CPU count, at most 4)")
    add_env_option(p, "--cycle-id", env="HARNESS_CYCLE_ID", metavar="ID", help='cycle id (default "C" + UTC timestamp)')
    add_env_option(p, "--store", env="HARNESS_STORE", metavar="PATH|URL", default=None,
                   help=f"cycle store: SQLite file or postgresql://USER@HOST/DB (the profile set's lab.store;"
                        f" default {DEFAULT_STORE})")
    p.add_argument("--only", metavar="BENCH", action="append", default=[],
                   help="run only this bench of the profile set (repeatable): one PC's part of a lab cycle whose"
                        " declared benches are the whole set; joins the running cycle --cycle-id; the last bench"
                        " to end completes it")
    p.add_argument("--mask", metavar="S1=0,S2=0,...", help="defect mask limits (over the profile set's)")
    p.add_argument("--suites", metavar="PATH", action="append", default=None,
                   help=f"test paths to run (repeatable; default {DEFAULT_SUITES})")
    p.add_argument("--reports", metavar="DIR", default=DEFAULT_REPORTS, help=f"reports folder (default {DEFAULT_REPORTS})")
    p.add_argument("--pytest-args", metavar="ARGS", default="", help='extra pytest arguments, e.g. "-k GCS60a -x"')
    p.add_argument("--all-captures", action="store_true",
                   help="keep every test's pcapng capture (default: only those of tests that did not pass)")
    p.add_argument("--resume", metavar="ID", help="complete cycle ID: run its benches that did not end or had bench"
                   " errors, with the cycle's own benches, suites, mask and pytest arguments")
    p.add_argument("--locks", metavar="SPEC",
                   help="bench reservation: flock (default, this PC), labgrid or labgrid://HOST:PORT "
                        "(env HARNESS_LOCKS; a profile set's lab.coordinator)")
    p.add_argument("--lock-wait", metavar="SECONDS", type=float, default=None,
                   help="wait this long for a bench reserved by someone else (env HARNESS_LOCK_WAIT; default 0: fail at once)")
    p.set_defaults(func=run)


@dataclass
class BenchRun:
    """One bench's pytest subprocess."""

    name: str
    path: str | None
    slug: str
    proc: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None
    returncode: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def new_cycle_id(now: _dt.datetime | None = None) -> str:
    """``C`` + UTC timestamp to the millisecond: sortable and unique per run."""
    t = now or _dt.datetime.now(_dt.timezone.utc)
    return t.strftime("C%Y%m%dT%H%M%S") + f"{t.microsecond // 1000:03d}Z"


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "bench"


def _bench_name(path: Path) -> str:
    """A bench's name from its profile (``name:``), loading (so validating) the whole profile:
    a broken bench is a usage error before anything is stored."""
    from harness.profiles import load_bench

    return str(load_bench(path).name or path.stem)


def _profiles_dir() -> Path:
    from harness.profiles import profiles_dir

    return Path(profiles_dir())


def resolve_benches(args: argparse.Namespace) -> tuple[list[tuple[str, str | None]], str | None, DefectMask]:
    """``([(bench name, profile path or None for the plugin's default)], set path, mask)``."""
    mask = DefectMask()
    benches: list[tuple[str, str | None]]
    if args.bench:
        for p in args.bench:
            if not Path(p).is_file():
                raise ProfileError("bench profile not found", file=p)
        benches = [(_bench_name(Path(p)), str(Path(p).resolve())) for p in args.bench]
        set_path = None
    else:
        explicit = args.profile_set is not None
        set_file = Path(args.profile_set) if explicit else _profiles_dir() / "sets" / "pit-matrix.yaml"
        if set_file.is_file():
            from harness.profiles import load_profile_set

            pset = load_profile_set(set_file)
            benches = [(b.name, str(b.source) if b.source else None) for b in pset.benches]
            if pset.defect_mask is not None:
                mask = pset.defect_mask
            set_path = str(set_file.resolve())
        elif explicit:
            raise ProfileError("profile set not found", file=str(set_file))
        else:
            default = _profiles_dir() / "benches" / "emulated-default.yaml"
            benches = [(_bench_name(default), str(default.resolve()))] if default.is_file() else [("emulated-default", None)]
            set_path = None
    if args.mask:
        mask = DefectMask.parse(args.mask, base=mask)
    names = [n for n, _ in benches]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ProfileError(f"bench names must be unique in one cycle: {', '.join(dupes)}", file=set_path or "--bench")
    return benches, set_path, mask


def _pytest_command(args: argparse.Namespace, bench: BenchRun, store: str | Path, cycle_id: str, out: Path) -> list[str]:
    cmd = [sys.executable, "-m", "pytest", *(args.suites or [DEFAULT_SUITES]),
           "-p", "no:cacheprovider", "-p", "harness.report.pytest_html_hooks",
           "--cycle-store", str(store), "--cycle-id", cycle_id,
           "--junitxml", str(out / f"junit-{bench.slug}.xml"),
           "--html", str(out / f"pytest-html-{bench.slug}.html"), "--self-contained-html",
           "-q", "-rN"]
    cmd += ["-p", "no:labgrid"]  # labgrid's own pytest plugin (harness[lab]): ~0.8 s per start, unused
    if "hypothesis" not in (args.pytest_args or ""):
        cmd += ["-p", "no:hypothesispytest"]  # its terminal summary imports hypothesis: ~2 s per bench
    if "benchmark" not in (args.pytest_args or ""):
        cmd += ["-p", "no:benchmark"]  # pytest-benchmark (no suite uses it): ~35 ms of imports per bench
    if bench.path:
        cmd += ["--bench", bench.path]
    return cmd + shlex.split(args.pytest_args or "")


def _count_tests(cmd: list[str], result: dict[str, int]) -> None:
    """Collect once (suites are bench-independent) to know the expected total per bench."""
    collect = [c for c in cmd if c not in ("--self-contained-html",)]
    collect = _strip_options(collect, ("--junitxml", "--html", "--cycle-store", "--cycle-id"))
    try:
        done = subprocess.run(collect + ["--collect-only"], capture_output=True, timeout=300, env=_child_env())
    except (OSError, subprocess.TimeoutExpired):
        return
    match = re.search(rb"(\d+) tests? collected", done.stdout)
    if match:
        result["per_bench"] = int(match.group(1))
    elif done.returncode == 5:
        result["per_bench"] = 0


def _strip_options(cmd: list[str], names: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    skip = False
    for c in cmd:
        if skip:
            skip = False
            continue
        if c in names:
            skip = True
            continue
        out.append(c)
    return out


def _child_env() -> dict[str, str]:
    """The bench subprocesses' environment: no inherited bench/cycle choice, and byte code
    cached outside the tree even under PYTHONDONTWRITEBYTECODE (else every bench re-compiles
    and assertion-rewrites every module: about 2 s each)."""
    env = dict(os.environ)
    for name in ("HARNESS_BENCH", "HARNESS_PROFILE_SET", "HARNESS_CYCLE_STORE", "HARNESS_CYCLE_ID", "HARNESS_RECORDS"):
        env.pop(name, None)
    if env.pop("PYTHONDONTWRITEBYTECODE", None) is not None or sys.dont_write_bytecode:
        env.setdefault("PYTHONPYCACHEPREFIX", pycache_dir())
    return env


def _progress_line(progress: dict[str, int], total: int | None, runs: list[BenchRun]) -> str:
    running = [r.name for r in runs if r.proc is not None and r.returncode is None]
    finished = sum(1 for r in runs if r.returncode is not None)
    tot = "?" if total is None else str(total)
    return (f"[{progress.get('done', 0)}/{tot} tests] failures {progress.get('failures', 0)}"
            f" | benches done {finished}/{len(runs)}"
            f" | running: {', '.join(running) or '-'}")


class ProgressView:
    """Live progress. On a terminal: one status line rewritten in place (tests done/total,
    failures so far, running benches) with a permanent line per finished bench above it. In a
    log (not a terminal): only the permanent lines, plus a "still running" line when nothing
    was printed for ``heartbeat_s``."""

    def __init__(self, stream: IO[str] | None = None, *, tty: bool | None = None, heartbeat_s: float = 60.0,
                 clock: Any = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stdout
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty and isatty()) if tty is None else tty
        self.heartbeat_s = heartbeat_s
        self._clock = clock
        self._status = ""
        self._last_write = clock()

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
        self._last_write = self._clock()

    def status(self, text: str) -> None:
        if self.tty:
            width = max(20, shutil.get_terminal_size((100, 24)).columns - 1)
            text = text if len(text) <= width else text[: width - 3] + "..."
            if text != self._status:
                self._write("\r" + text + "\x1b[K")
                self._status = text
        elif self._clock() - self._last_write >= self.heartbeat_s:
            self._write(f"still running: {text}\n")

    def line(self, text: str) -> None:
        if self.tty:
            self._write("\r\x1b[K" + text + "\n" + self._status)
        else:
            self._write(text + "\n")

    def close(self) -> None:
        if self.tty and self._status:
            self._write("\r\x1b[K")
            self._status = ""


MAX_LISTED_FAILURES = 5


def _bench_done_line(run: BenchRun, counts: dict[str, int], failed: list[str], finished: int, total_benches: int,
                     progress: dict[str, int], total: int | None, seconds: float) -> str:
    outcomes = ", ".join(f"{counts[o]} {o}" for o in ("passed", "failed", "error", "bench_error", "waived", "skipped") if counts.get(o))
    status = "" if run.returncode in (0, 1) else f" -- pytest exit status {run.returncode}, see logs/{run.slug}.log"
    head = (f"[{finished}/{total_benches} benches] {run.name}: {outcomes or 'no tests'} in {seconds:.1f} s{status}"
            f" | {progress.get('done', 0)}/{'?' if total is None else total} tests, failures {progress.get('failures', 0)}")
    lines = [head] + [f"    FAILED {nodeid}" for nodeid in failed[:MAX_LISTED_FAILURES]]
    if len(failed) > MAX_LISTED_FAILURES:
        lines.append(f"    ... and {len(failed) - MAX_LISTED_FAILURES} more")
    return "\n".join(lines)


def execute(args: argparse.Namespace, runs: list[BenchRun], store: CycleStore, cycle_id: str, out: Path,
            printer: Any = print, view: ProgressView | None = None) -> None:
    """Run every bench's pytest (up to ``args.parallel`` at once), showing progress on ``view``
    (default: stdout, live on a terminal, one line per finished bench otherwise). The last
    line, ``[done/total tests] failures N | ...``, goes to ``printer``."""
    view = view or ProgressView()
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    pending = list(runs)
    counted: dict[str, int] = {}
    counter: threading.Thread | None = None
    if runs:
        counter = threading.Thread(
            target=_count_tests, args=(_pytest_command(args, runs[0], store.location, cycle_id, out), counted), daemon=True
        )
        counter.start()
    started: dict[str, float] = {}
    try:
        while pending or any(r.returncode is None and r.proc is not None for r in runs):
            active = [r for r in runs if r.proc is not None and r.returncode is None]
            while pending and len(active) < max(1, args.parallel):
                bench = pending.pop(0)
                bench.log = open(logs / f"{bench.slug}.log", "wb")  # noqa: SIM115 - closed when it ends
                bench.proc = bench_process.start(  # type: ignore[assignment]
                    _pytest_command(args, bench, store.location, cycle_id, out), bench.log,
                    {**_child_env(), "HARNESS_CAPTURES": str((out / CAPTURES).resolve()),
                     "HARNESS_CAPTURES_KEEP": "all" if getattr(args, "all_captures", False) else "failed"})
                assert bench.proc is not None
                store.bench_started(cycle_id, bench.name, pid=bench.proc.pid)
                started[bench.slug] = time.monotonic()
                active.append(bench)
            per_bench = counted.get("per_bench")
            total = None if per_bench is None else per_bench * len(runs)
            for r in active:
                assert r.proc is not None
                code = r.proc.poll()
                if code is not None:
                    r.returncode = code
                    if r.log:
                        r.log.close()
                    store.bench_ended(cycle_id, r.name, exitstatus=code, crashed=crash_reason(code, r.slug))
                    finished = sum(1 for x in runs if x.returncode is not None)
                    view.line(_bench_done_line(
                        r, store.progress_by_bench(cycle_id).get(r.name, {}),
                        [nodeid for _, nodeid in store.failures(cycle_id, r.name)], finished, len(runs),
                        store.progress(cycle_id), total, time.monotonic() - started[r.slug]))
            view.status(_progress_line(store.progress(cycle_id), total, runs))
            if pending or any(r.returncode is None for r in active):
                time.sleep(POLL_S)
        view.close()
        progress = store.progress(cycle_id)
        per_bench = counted.get("per_bench")
        total = progress["done"] if per_bench is None else max(progress["done"], per_bench * len(runs))
        printer(_progress_line(progress, total, runs))
    except BaseException as exc:
        view.close()
        for r in runs:
            if r.proc is not None and r.proc.poll() is None:
                r.proc.terminate()
        for r in runs:
            if r.proc is not None:
                try:
                    r.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    r.proc.kill()
                if r.returncode is None:
                    r.returncode = r.proc.returncode
                    store.bench_ended(cycle_id, r.name, exitstatus=r.returncode,
                                      crashed=f"stopped ({type(exc).__name__}) before it ended")
        raise
    finally:
        bench_process.shutdown()
        if counter is not None:
            counter.join(timeout=0)


def crash_reason(code: int, slug: str) -> str | None:
    """None for a bench whose pytest ended; else why it did not, naming its log."""
    reason = pytest_end_problem(code)
    return None if reason is None else f"{reason} (see logs/{slug}.log)"


def merge_junit(files: list[tuple[str, Path]], target: Path) -> None:
    """One ``<testsuites>`` with each bench's suites, named after the bench."""
    root = ET.Element("testsuites", {"name": target.parent.name})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for bench, path in files:
        if not path.is_file():
            continue
        try:
            tree = ET.parse(path)
        except ET.ParseError:
            continue
        top = tree.getroot()
        suites = [top] if top.tag == "testsuite" else list(top.iter("testsuite"))
        for suite in suites:
            suite.set("name", f"{bench}")
            for key in totals:
                totals[key] += int(suite.get(key, "0") or 0)
            root.append(suite)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.ElementTree(root).write(target, encoding="utf-8", xml_declaration=True)


def merge_cycle_captures(out: Path) -> str | None:
    """Merge every readable per-test capture under ``out/captures`` into ``out/cycle.pcapng``
    (timestamp order); its name relative to ``out``, or None when there is nothing to merge."""
    files = sorted((out / CAPTURES).rglob("*.pcapng"))
    if not files:
        return None
    left_out: list[Path] = []

    def unreadable(path: Any, exc: DecodeError) -> None:
        left_out.append(Path(path))
        print(f"capture {path} left out of {CYCLE_CAPTURE}: {exc}")

    try:
        from harness.capture import merge_captures

        merge_captures(files, out / CYCLE_CAPTURE, on_unreadable=unreadable)
        if len(left_out) == len(files):
            (out / CYCLE_CAPTURE).unlink(missing_ok=True)
            return None
    except CapabilityMissing as exc:
        print(f"captures not merged: {exc}")
        return None
    except Exception as exc:  # noqa: BLE001 - a capture problem must not lose the cycle's report and verdict
        print(f"captures not merged into {CYCLE_CAPTURE}: {type(exc).__name__}: {exc}")
        return None
    return CYCLE_CAPTURE


def write_records(store: CycleStore, cycle_id: str, target: Path, *,
                  records: list[TestRecord] | None = None) -> int:
    """Every record as JSON Lines. Tests that passed (or were skipped or waived) keep each
    exchange's hex and summary but not its decoded tree (``harness decode`` rebuilds it; the
    store keeps it): the decoded trees of a full PIT cycle are most of its folder's size.
    ``records``: ``store.records(cycle_id)`` when the caller has read them already."""
    if records is None:
        records = store.records(cycle_id)
    with open(target, "w", encoding="utf-8") as fh:
        for record in records:
            data = record.to_dict()
            if record.outcome.value not in FAILING | {BENCH_ERROR}:
                for exchange in data["exchanges"]:
                    del exchange["decoded"]
            fh.write(json.dumps(data, default=str) + "\n")
    return len(records)


class SafeOut:
    """stdout that survives a closed pipe (``harness run | head -1``): after the reader goes,
    writes are dropped (and fd 1 points at /dev/null so the interpreter's final flush is quiet),
    so the run still writes its report and stores its verdict."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.closed_pipe = False

    def write(self, text: str) -> None:
        if self.closed_pipe:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except BrokenPipeError:
            self._drop()

    def flush(self) -> None:
        if not self.closed_pipe:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._drop()

    def isatty(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty()) and not self.closed_pipe

    def print(self, text: str = "") -> None:
        self.write(text + "\n")

    def _drop(self) -> None:
        self.closed_pipe = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass


Planned = tuple[list[tuple[str, str | None]], str | None, DefectMask]


def _plan(args: argparse.Namespace, store: CycleStore,
          planned: Planned | None) -> tuple[str, list[BenchRun], DefectMask, dict[str, Any]]:
    """(cycle id, the benches to run now, the mask, the cycle's meta) for a new or resumed cycle."""
    if args.resume:
        if args.bench or args.profile_set or args.cycle_id:
            raise HarnessError("--resume takes the cycle's own benches: leave out --bench, --profile-set and --cycle-id")
        cycle = store.cycle(args.resume)
        if cycle is None:
            raise HarnessError(f"no cycle {args.resume!r} in {args.store} (see `harness cycles list`)")
        meta = cycle["meta"]
        if cycle["lifecycle"]["state"] == "running":
            raise HarnessError(f"cycle {args.resume} is still running (pid {_owner_pid(store, args.resume)})")
        names, paths = list(meta.get("bench_names") or []), list(meta.get("bench_paths") or [])
        redo = {m["bench"] for m in cycle["lifecycle"]["missing"]}
        redo |= {e["bench"] for e in judge(cycle, store.records(args.resume))["bench_errors"]}
        mask = DefectMask.from_mapping(meta.get("mask") or {}, source="cycle meta")
        args.suites = args.suites or meta.get("suites")
        args.pytest_args = args.pytest_args or meta.get("pytest_args") or ""
        runs = _bench_runs([(n, p) for n, p in zip(names, paths) if n in redo]
                           + [(n, None) for n in sorted(redo - set(names))])
        return args.resume, runs, mask, meta
    benches, set_path, mask = planned or resolve_benches(args)
    cycle_id = args.cycle_id or new_cycle_id()
    while args.cycle_id is None and store.cycle(cycle_id) is not None:
        time.sleep(0.002)
        cycle_id = new_cycle_id()
    runs = _bench_runs(benches)
    declared = runs
    if args.only:
        unknown = sorted(set(args.only) - {r.name for r in runs})
        if unknown or not set_path:
            raise HarnessError(f"--only names benches of the profile set: {', '.join(unknown) or args.only[0]} not in "
                               f"{set_path or '(no --profile-set)'} ({', '.join(r.name for r in runs)})")
        runs = [r for r in runs if r.name in args.only]
    existing = store.cycle(cycle_id) if args.cycle_id else None
    if existing is not None and args.only and existing["state"] == "running" \
            and not set(store.bench_runs(cycle_id)) & {r.name for r in runs}:
        return cycle_id, runs, mask, _meta(args, declared, set_path, mask)  # another PC's part: join it
    if existing is not None:
        raise HarnessError(f"cycle {cycle_id} already exists in {args.store}: "
                           f"`harness run --resume {cycle_id}` completes it, or choose another --cycle-id")
    return cycle_id, runs, mask, _meta(args, declared, set_path, mask)


def _meta(args: argparse.Namespace, declared: list[BenchRun], set_path: str | None, mask: DefectMask) -> dict[str, Any]:
    """The cycle's meta: its declared benches (all of the set, also for an --only part)."""
    return {
        "harness_version": __version__,
        "started": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "profile_set": set_path,
        "bench_names": [r.name for r in declared],
        "bench_paths": [r.path for r in declared],
        "mask": mask.limits,
        "suites": args.suites or [DEFAULT_SUITES],
        "pytest_args": args.pytest_args or "",
        "parallel": args.parallel,
        "host": platform.node(),
    }


def _owner_pid(store: CycleStore, cycle_id: str) -> str:
    row = store._db.execute("SELECT owner FROM cycles WHERE id = ?", (cycle_id,)).fetchone()
    owner = json.loads(row["owner"]) if row and row["owner"] else {}
    return str(owner.get("pid", "?"))


def _bench_runs(benches: list[tuple[str, str | None]]) -> list[BenchRun]:
    slugs: set[str] = set()
    runs = []
    for name, path in benches:
        slug = _slug(name)
        while slug in slugs:
            slug += "_"
        slugs.add(slug)
        runs.append(BenchRun(name=name, path=path, slug=slug))
    return runs


def resume_command(args: argparse.Namespace, cycle_id: str) -> str:
    """The command line that resumes this cycle (printed, and shown in the report)."""
    parts = ["harness", "run", "--resume", cycle_id]
    if args.store != DEFAULT_STORE:
        parts += ["--store", store_display(args.store)]
    if args.reports != DEFAULT_REPORTS:
        parts += ["--reports", args.reports]
    return shlex.join(parts)


def reserve_benches(args: argparse.Namespace, runs: list[BenchRun], set_path: str | None) -> list[Any]:
    """Reserve the benches this run executes (flock or labgrid places, harness/lab/reserve.py)
    before anything is stored: waits ``--lock-wait`` or fails naming the holder."""
    from harness.lab import reserve
    from harness.profiles import default_bench_path, load_bench, load_profile_set

    spec = args.locks or os.environ.get(reserve.LOCKS_ENV)
    if not spec and set_path:
        coordinator = load_profile_set(set_path).lab.coordinator
        spec = f"labgrid://{coordinator}" if coordinator else None
    provider = reserve.provider_from_spec(spec)
    claims = []
    for r in runs:
        try:
            profile = load_bench(r.path or default_bench_path())
        except (HarnessError, OSError):  # a broken profile is that bench's error, reported by its run
            profile = None
        if provider.needs(profile):
            claims.append(reserve.claim_for(r.name, r.path, profile))
    taken = reserve.reserve_all(provider, claims, wait_s=reserve.lock_wait(args.lock_wait))
    for held in taken:
        print(f"harness run: reserved bench {held.claim.bench} (place {held.claim.place}, {provider.engine})", flush=True)
    return taken


def run(args: argparse.Namespace) -> int:
    planned = None if args.resume else resolve_benches(args)  # a profile error stores nothing
    args.store = store_location(args.store, planned[1] if planned else None)
    if args.resume and not store_exists(args.store):
        raise HarnessError(f"no cycle store at {store_display(args.store)}")
    if args.only and args.bench:
        raise HarnessError("--only picks benches of a --profile-set, not of --bench")
    store = CycleStore(args.store)
    try:
        return _run(args, store, SafeOut(), planned)
    finally:
        store.close()


def _run(args: argparse.Namespace, store: CycleStore, out_: SafeOut, planned: Planned | None) -> int:
    from harness.lab.reserve import release_all

    cycle_id, runs, mask, meta = _plan(args, store, planned)
    reservations = reserve_benches(args, runs, meta.get("profile_set"))
    try:
        return _run_cycle(args, store, out_, cycle_id, runs, mask, meta)
    finally:
        release_all(reservations)


def _run_cycle(args: argparse.Namespace, store: CycleStore, out_: SafeOut, cycle_id: str, runs: list[BenchRun],
               mask: DefectMask, meta: dict[str, Any]) -> int:
    out = Path(args.reports) / cycle_id
    out.mkdir(parents=True, exist_ok=True)
    if args.resume:
        store.reopen_cycle(cycle_id)
    else:
        store.start_cycle(cycle_id, meta)  # or joins the running lab cycle with this PC's benches
    resume = resume_command(args, cycle_id)
    store.start_cycle(cycle_id, {"resume_command": resume})
    what = f"resuming cycle {cycle_id}: {len(runs)} bench(es) to run" if args.resume else \
        f"cycle {cycle_id}, {len(runs)} bench(es)"
    out_.print(f"harness run: {what}, mask {mask.describe()}, store {store_display(args.store)}")
    t0 = time.monotonic()
    interrupted: BaseException | None = None
    try:
        execute(args, runs, store, cycle_id, out, printer=out_.print, view=ProgressView(out_))  # type: ignore[arg-type]
    except KeyboardInterrupt as exc:  # the benches are stopped; the report still says what ran
        interrupted = exc
    wall = time.monotonic() - t0
    lifecycle = store.lifecycle(cycle_id)
    state = "incomplete" if interrupted or lifecycle["missing"] else "complete"
    earlier = ((store.cycle(cycle_id) or {}).get("verdict") or {}).get("exit_status") or {}
    facts: dict[str, Any] = {"wall_s": round(wall, 3), "exit_status": {**earlier, **{r.name: r.returncode for r in runs}}}
    if args.only and not interrupted:  # one PC's part of a lab cycle: the last bench to end closes it
        state = store.complete_if_done(cycle_id, facts)
        if state == "running":
            return _part_done(store, out_, cycle_id, runs, out, wall)
    store.finish_cycle(cycle_id, facts, state=state)
    records = store.records(cycle_id)  # read once for the verdict, records.jsonl and the report
    verdict = judge(store.cycle(cycle_id) or {}, records)
    # The cycle capture is merged in a second process while this one writes the report: both
    # take seconds on a full matrix, and a 2-core machine can do them side by side.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
        merging = pool.submit(merge_cycle_captures, out)
        if any((out / CAPTURES).rglob("*.pcapng")):
            facts["capture"] = CYCLE_CAPTURE
        store.finish_cycle(cycle_id, {**facts, **_stored(verdict)}, state=state)
        names = list(meta.get("bench_names") or [r.name for r in runs])
        merge_junit([(n, out / f"junit-{_slug(n)}.xml") for n in names], out / "junit.xml")
        write_records(store, cycle_id, out / "records.jsonl", records=records)
        render_cycle(store, cycle_id, out / "report.html", records=records)
        capture = merging.result()
    if capture != facts.get("capture"):  # nothing merged after all: no link to a missing file
        store.finish_cycle(cycle_id, {"capture": None}, state=state)
        render_cycle(store, cycle_id, out / "report.html", records=records)

    counts = ", ".join(f"{s} {verdict['counts'][s]}/{verdict['limits'][s]}" for s in verdict["counts"])
    outcomes = ", ".join(f"{n} {o}" for o, n in sorted(verdict["outcomes"].items())) or "no tests"
    out_.print(f"cycle {cycle_id}: {outcomes} in {wall:.1f} s")
    out_.print(f"open failures / limit: {counts}")
    for failure in verdict["open_failures"]:
        out_.print(f"  {failure['severity']} {failure['outcome']}: [{failure['bench']}] {failure['nodeid']}")
    for missing in verdict["missing_benches"]:
        out_.print(f"  bench {missing['bench']} did not run to the end: {missing['reason']}")
    for reason in sorted({(e["bench"], e["reason"]) for e in verdict["bench_errors"]}):
        out_.print(f"  bench error on {reason[0]}: {reason[1]}")
    if verdict["status"] == "inconclusive":
        out_.print(f"  re-run what did not run: {resume}")
    out_.print(f"{headline(verdict)}; report {out / 'report.html'}")
    return int(verdict["exit"])


def _part_done(store: CycleStore, out_: SafeOut, cycle_id: str, runs: list[BenchRun], out: Path, wall: float) -> int:
    """This PC's benches of a lab cycle ended, others have not: report this part, judged on its
    own benches, and leave the cycle running for the rest."""
    ours = {r.name for r in runs}
    cycle = store.cycle(cycle_id) or {}
    records = [r for r in store.records(cycle_id) if record_key(r)[0] in ours]
    part = {**cycle, "state": "complete", "lifecycle": {"state": "complete", "missing": [], "reason": ""}}
    verdict = judge(part, records)
    write_records(store, cycle_id, out / "records.jsonl")
    render_cycle(store, cycle_id, out / "report.html")
    waiting = [m["bench"] for m in store.lifecycle(cycle_id)["missing"] if m["bench"] not in ours]
    runs_now = store.bench_runs(cycle_id)
    waiting += [b for b, r in runs_now.items() if r["state"] == "running" and b not in ours and b not in waiting]
    outcomes = ", ".join(f"{n} {o}" for o, n in sorted(verdict["outcomes"].items())) or "no tests"
    out_.print(f"cycle {cycle_id}, this PC's part ({', '.join(sorted(ours))}): {outcomes} in {wall:.1f} s")
    for failure in verdict["open_failures"]:
        out_.print(f"  {failure['severity']} {failure['outcome']}: [{failure['bench']}] {failure['nodeid']}")
    out_.print(f"{headline(verdict)} on this PC's benches; the cycle stays running: it waits for "
               f"{', '.join(sorted(waiting)) or 'the other benches'}")
    return int(verdict["exit"])


def _stored(verdict: dict[str, Any]) -> dict[str, Any]:
    """The judged verdict as stored with the cycle (the readers judge again from the records)."""
    return {k: verdict[k] for k in ("met", "mask_met", "status", "counts", "limits", "exceeded", "outcomes",
                                    "open_failures", "bench_errors", "missing_benches")}
