"""How `harness run` starts one bench's pytest session: forked from a warm process.

Each bench still runs in its own process with its own pytest session, exit status, log and
crash semantics (a killed bench is a dead process, as before), but the process is forked from a
multiprocessing *forkserver* that imported pytest, its plugins, the harness and the codecs once:
a ``python -m pytest`` per bench paid that start-up (interpreter, imports, entry-point scan) on
every one of the 21 benches of the PIT matrix. ``gc.freeze()`` in the server keeps the imported
modules out of every child's garbage collections (pytest collects several times at session end).

:func:`start` returns a :class:`ForkedPytest`, which answers like ``subprocess.Popen`` (``poll``,
``wait``, ``terminate``, ``kill``, ``returncode``, ``pid``), so the caller's loop is unchanged.
``HARNESS_RUN_SUBPROCESS=1`` (or a platform without forkserver) runs ``python -m pytest`` as
before.
"""

from __future__ import annotations

import functools
import gc
import importlib
import multiprocessing
import os
import subprocess
import sys
from typing import Any

# Imported once in the forkserver; a module missing here is simply imported by the child.
# (Not pytest-html: pytest marks it for assertion rewriting and warns when it is imported already.)
PRELOAD = ("pytest", "_pytest.pytester", "pytest_metadata", "xdist", "harness.plugin",
           "harness.report.pytest_html_hooks", "harness.bench", "harness.emulators", "harness.gbcs.decode",
           "harness.gbcs.payload", "harness.gbcs.gbz", "harness.gbcs.asn1", "harness.report.store",
           "harness.capture", "harness.suites.secmp0015", "harness.suites.secmp0002",
           # what every bench imported on its own (python -X importtime in a bench process, #16):
           # the store's SQLAlchemy and SQLite dialect (~0.15 s a bench), the profile loader, pytest-html's
           # jinja2, xdist's execnet
           "sqlalchemy", "sqlalchemy.dialects.sqlite", "harness.profiles.loader", "jinja2", "execnet")
SUBPROCESS_ENV = "HARNESS_RUN_SUBPROCESS"
_context: Any = None


def _preload() -> None:
    """Run in the forkserver (this module is its only preload): import, warm, freeze."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - optional plugins: the child imports what it needs
            pass
    try:
        from importlib.metadata import entry_points

        entry_points(group="pytest11")  # fills importlib.metadata's path caches for the children
    except Exception:  # noqa: BLE001
        pass
    gc.collect()
    gc.freeze()


if multiprocessing.current_process().name == "MainProcess" and os.environ.get("_HARNESS_FORKSERVER") == "1":
    _preload()


def die_with_parent(parent: int) -> None:
    """In a bench process: get SIGTERM when its parent dies (``harness run``, or the forkserver,
    which exits when ``harness run`` does), so a killed run leaves no bench writing into the
    cycle behind it (Linux; elsewhere nothing). Tied to the forking *thread* of the parent."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died between fork and prctl
        os._exit(1)


def _child(args: list[str], log_path: str, env: dict[str, str]) -> None:
    """The bench process: its environment, stdout/stderr into the log, one pytest session."""
    die_with_parent(os.getppid())
    os.environ.clear()
    os.environ.update(env)
    sys.dont_write_bytecode = "PYTHONDONTWRITEBYTECODE" in env
    sys.pycache_prefix = env.get("PYTHONPYCACHEPREFIX") or None
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    import atexit

    import pytest

    try:
        code = int(pytest.main(args))
    finally:
        atexit._run_exitfuncs()  # multiprocessing children end with os._exit: run what python would
        sys.stdout.flush()
        sys.stderr.flush()
    sys.exit(code)


class ForkedPytest:
    """A bench process forked from the forkserver, answering like ``subprocess.Popen``."""

    def __init__(self, process: Any, args: list[str]) -> None:
        self._process = process
        self.args = args
        self.returncode: int | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid  # type: ignore[no-any-return]

    def poll(self) -> int | None:
        if self.returncode is None and not self._process.is_alive():
            self._process.join()
            self.returncode = self._process.exitcode
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self.poll() is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
        assert self.returncode is not None
        return self.returncode

    def terminate(self) -> None:
        if self.poll() is None:
            self._process.terminate()

    def kill(self) -> None:
        if self.poll() is None:
            self._process.kill()


def _forkserver() -> Any:
    global _context
    if _context is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__])
        _context = ctx
    return _context


def shutdown() -> None:
    """Stop the forkserver (and reap it, so its CPU counts in the caller's children's usage)."""
    global _context
    if _context is None:
        return
    _context = None
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)  # CPython's own (used by its tests)
    if stop is not None:
        stop()


def forked() -> bool:
    """Whether benches are forked (else ``python -m pytest`` subprocesses)."""
    return (os.environ.get(SUBPROCESS_ENV) != "1"
            and "forkserver" in multiprocessing.get_all_start_methods())


def start(cmd: list[str], log: Any, env: dict[str, str]) -> ForkedPytest | subprocess.Popen[bytes]:
    """Start ``cmd`` (``[python, "-m", "pytest", ...]``) with stdout and stderr into the open
    binary file ``log``; forked from the forkserver unless that is switched off or missing."""
    prefix = [sys.executable, "-m", "pytest"]
    if not forked() or cmd[:3] != prefix:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                preexec_fn=functools.partial(die_with_parent, os.getpid()))
    ctx = _forkserver()
    os.environ["_HARNESS_FORKSERVER"] = "1"  # read by this module when the server imports it
    try:
        process = ctx.Process(target=_child, args=(cmd[3:], log.name, env), name=f"pytest {log.name}")
        process.start()
    finally:
        os.environ.pop("_HARNESS_FORKSERVER", None)
    return ForkedPytest(process, cmd)
