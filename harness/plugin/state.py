"""Per-process plugin state: which bench this process runs on (locking one bench of a profile
set under xdist), the live Bench (started on first use), and where records go."""

from __future__ import annotations

import datetime as _dt
import fcntl
import os
from pathlib import Path
from typing import Any

import pytest

from harness.bench import identity
from harness.errors import BenchError, HarnessError
from harness.plugin import locks
from harness.plugin.options import bench_wait, option
from harness.records import BenchInfo, DeviceInfo, TestRecord

STATE_KEY = pytest.StashKey["HarnessState"]()


def _load_bench(path: str) -> Any:
    from harness.profiles import load_bench

    return load_bench(path)


def _set_benches(path: str) -> list[str]:
    from harness.profiles import load_profile_set

    pset = load_profile_set(path)
    benches = pset.benches
    base = Path(path).resolve().parent
    out = []
    for entry in benches:
        p = identity.profile_path(entry) if not isinstance(entry, (str, Path)) else str(entry)
        if p is None:
            continue
        out.append(str(p if Path(p).is_absolute() else (base / p).resolve()))
    return out


def _default_bench() -> str:
    from harness.profiles import default_bench_path

    return str(default_bench_path())


class HarnessState:
    """What the plugin knows in one pytest process (controller or xdist worker)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.set_path = option(config, "profile_set")
        self.bench_path: str | None = None
        self.set_members: list[str] = []
        self.records_path = option(config, "records")
        self.store_path = option(config, "cycle_store")
        workerinput = getattr(config, "workerinput", None)
        self.cycle_id = (workerinput or {}).get("harness_cycle_id") or option(config, "cycle_id") or \
            _dt.datetime.now(_dt.timezone.utc).strftime("cycle-%Y%m%dT%H%M%SZ")
        self.is_worker = workerinput is not None
        self._profile: Any = None
        self._bench: Any = None
        self._lock: locks.HeldLock | None = None
        self._store: Any = None
        self.bench_error: str | None = None
        self._bench_cause: BaseException | None = None

    # -- choosing the bench -------------------------------------------------------------------
    def validate(self) -> None:
        """Load the chosen profile (or set) once at start-up: a broken one is a usage error."""
        if self.set_path:
            self.set_members = _set_benches(self.set_path)
            for member in self.set_members:
                _load_bench(member)
            return
        self.bench_path = option(self.config, "bench") or _default_bench()
        self._profile = _load_bench(self.bench_path)

    @property
    def profile(self) -> Any:
        """The bench profile this process runs on (locks one bench of a set on first use)."""
        if self._profile is None:
            if self.bench_error:
                raise BenchError(self.bench_error)
            if self.set_path:
                try:
                    self._take_from_set()
                except locks.BenchUnavailable as exc:
                    self.bench_error = str(exc)
                    raise
            else:
                self.bench_path = self.bench_path or option(self.config, "bench") or _default_bench()
                self._profile = _load_bench(self.bench_path)
        return self._profile

    def _take_from_set(self) -> None:
        members = self.set_members or _set_benches(str(self.set_path))
        candidates = []
        for member in members:
            keys = [member]
            port = identity.connection_port(_load_bench(member))
            if port:
                keys.append(f"port:{port}")
            candidates.append(keys)
        index, held = locks.acquire_any(candidates, wait_s=bench_wait(self.config))
        self._lock = held
        self.bench_path = members[index]
        self._profile = _load_bench(self.bench_path)

    @property
    def loaded_profile(self) -> Any:
        """The profile if this process already chose one (never locks a bench)."""
        return self._profile

    @property
    def bench(self) -> Any:
        """The live bench (built on first use; closed at the end of the session)."""
        if self._bench is None:
            if self.bench_error:
                raise BenchError(self.bench_error) from self._bench_cause
            from harness.bench.bench import Bench

            try:
                self._bench = Bench.from_profile(self.profile, path=self.bench_path)
            except HarnessError as exc:
                self.bench_error = f"bench {self.bench_path}: {exc}"
                self._bench_cause = exc  # every later test names the same cause (port, file:line)
                raise
            from harness.plugin.realbench import attach

            attach(self._bench, self.config, operator=option(self.config, "operator") not in (None, "0"))
        return self._bench

    @property
    def bench_started(self) -> bool:
        return self._bench is not None

    def close(self) -> None:
        if self._bench is not None:
            try:
                self._bench.close()
            finally:
                self._bench = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- identities for records ---------------------------------------------------------------
    def bench_identity(self) -> BenchInfo:
        if self._profile is None:
            return BenchInfo(path=self.bench_path)
        ident = identity.bench_identity(self._profile)
        ident.path = self.bench_path or ident.path
        return ident

    def device_identities(self) -> list[DeviceInfo]:
        if self._profile is None:
            return []
        return [identity.device_identity(d) for d in identity.devices(self._profile)]

    # -- where records go ---------------------------------------------------------------------
    @property
    def store(self) -> Any:
        if self._store is None and self.store_path:
            from harness.report.store import CycleStore

            self._store = CycleStore(self.store_path)
        return self._store

    def start_cycle(self, meta: dict[str, Any]) -> None:
        store = self.store
        if store is not None:
            store.start_cycle(self.cycle_id, meta)

    def _single_bench(self) -> str | None:
        """The bench name when this session runs one bench (not a set shared by xdist workers)."""
        if self.set_path or self._profile is None:
            return None
        return self.bench_identity().name

    def record_bench_start(self) -> None:
        store, name = self.store, self._single_bench()
        if store is not None and name:
            store.bench_started(self.cycle_id, name)

    def record_bench_end(self, exitstatus: int) -> None:
        """This session's bench ran to its end (or not: pytest's exit status says)."""
        from harness.report.store import pytest_end_problem

        store, name = self.store, self._single_bench()
        if store is not None and name:
            store.bench_ended(self.cycle_id, name, exitstatus=exitstatus, crashed=pytest_end_problem(exitstatus))

    def write(self, record: TestRecord) -> None:
        """Append the record to --records (locked, flushed) and to the cycle store."""
        if self.records_path:
            path = Path(self.records_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            line = record.to_json() + "\n"
            with open(path, "a", encoding="utf-8") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    fh.write(line)
                    fh.flush()
                    os.fsync(fh.fileno())
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        store = self.store
        if store is not None:
            store.add_record(self.cycle_id, record)


def state_of(config: pytest.Config) -> HarnessState:
    return config.stash[STATE_KEY]
