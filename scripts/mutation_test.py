"""cosmic-ray's test command for one mutant (run by ``scripts/mutation --test`` in the mutated tree).

The self-test's two halves for the suite of the mutated module: the suite must pass on each
compliant bench of its modes, and must fail on the faulty bench of each of its faults. A mutant
is *killed* (exit 1) as soon as a compliant bench fails or a faulty bench passes; it *survived*
(exit 0) when every run gave its expected verdict.

Speed (a survivor costs every run): pytest, the plugins and the harness (mutant included: it is
on disk before this process starts) are imported once here, and each run is a forked child with
its own pytest session, so a run costs its tests, not an interpreter start. Runs most likely to
kill go first (the default bench, then the faults). A run that hangs is ended after
``RUN_TIMEOUT_S`` and counts as not passing. Byte code is cached (``sys.pycache_prefix``) even
where ``PYTHONDONTWRITEBYTECODE`` is set, so unchanged modules are not compiled (nor
assertion-rewritten) per run; the mutated file gets an mtime never used before, so neither cache
can hand a run an earlier mutant's code (both validate by mtime and size, and two mutants of
one size can be written within the same second).

A mutant every suite run survives is then given to the harness's own tests of the emulators
(``--own PATH``, e.g. ``tests/emulators``, no bench): code the suites cannot reach by design (the
control channel, state files of ``harness emulate --state``, emulator configuration no profile
uses) is still judged, and the kill says which half killed it ("killed by own tests").

    python3 scripts/mutation_test.py SUITE BENCH... -- FAULT_BENCH... [--own PATH]
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN_TIMEOUT_S = 120.0


def passes(suite: str, bench: str | None) -> bool:
    """Whether ``suite`` passes on ``bench`` (None: the tests build their own benches); a forked
    pytest session, output discarded."""
    pid = os.fork()
    if pid == 0:  # the child: one pytest session, exit with its status
        try:
            from harness.commands.bench_process import die_with_parent

            die_with_parent(os.getppid())
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            import pytest

            args = ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:labgrid",
                    "-W", "ignore::UserWarning", suite]
            args += ["--bench", bench] if bench else ["-m", "not slow"]
            code = int(pytest.main(args))
        except BaseException:  # noqa: BLE001 - any crash is "did not pass"
            code = 3
        os._exit(code)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) == 0
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return False
        time.sleep(0.02)


def cache_bytecode() -> None:
    """Cache byte code for this process and its runs, and stamp the mutated files (see above)."""
    sys.dont_write_bytecode = False
    sys.pycache_prefix = os.environ.get("HARNESS_MUTATION_PYCACHE") or str(
        Path(tempfile.gettempdir()) / f"harness-mutation-pycache-{os.getuid()}")
    changed = subprocess.run(["git", "diff", "--name-only"], capture_output=True, text=True,
                             check=True).stdout.split()
    stamp_file = Path.cwd().parent / "mtime-stamp"  # beside the mutated tree
    stamp = int(stamp_file.read_text()) + 1 if stamp_file.exists() else 1_000_000_000
    stamp_file.write_text(str(stamp))
    for name in changed:
        os.utime(name, (stamp, stamp))


def main(argv: list[str]) -> int:
    suite, *rest = argv
    own = None
    if "--own" in rest:
        at = rest.index("--own")
        own, rest = rest[at + 1], rest[:at] + rest[at + 2:]
    cache_bytecode()
    cut = rest.index("--") if "--" in rest else len(rest)
    compliant, faulty = rest[:cut], rest[cut + 1:]
    import importlib

    from harness.commands.bench_process import PRELOAD  # what `harness run` warms its benches with

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional plugin: a run imports what it needs
            pass
    runs = [(b, True) for b in compliant[:1]] + [(b, False) for b in faulty] + [(b, True) for b in compliant[1:]]
    for bench, compliant_bench in runs:
        if passes(suite, bench) != compliant_bench:
            print(f"killed: {bench} ({'compliant' if compliant_bench else 'faulty'}) "
                  f"{'fails' if compliant_bench else 'passes'}")
            return 1
    if own is not None and not passes(own, None):
        print(f"killed by own tests: {own} fails")
        return 1
    print("survived")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
