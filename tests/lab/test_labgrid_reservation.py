"""Bench reservation through a real labgrid coordinator (started by the test on 127.0.0.1):
two places, two clients; the second run on a held bench fails fast naming the holder or waits
in a labgrid reservation; a run on the other bench goes ahead at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.lab.reserve import BenchClaim, BenchReserved

ROOT = Path(__file__).resolve().parents[2]
DEVICES = ROOT / "device_profiles" / "devices"
SUITE = '''
import os, time

def test_hold_the_bench():
    release = os.environ.get("HOLD_UNTIL")  # the test lets this run end by creating the file
    deadline = time.monotonic() + 300
    while release and not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.1)
'''


def _bench(root: Path, name: str, tags: dict[str, str]) -> Path:
    tag_text = ", ".join(f"{k}: {v}" for k, v in tags.items())
    path = root / f"{name}.yaml"
    path.write_text(
        f"kind: bench\nname: {name}\nconnection: {{type: emulated}}\n"
        f"devices:\n  - profile: {DEVICES / 'chf-sbch-new.yaml'}\n  - profile: {DEVICES / 'esme.yaml'}\n"
        f"lab:\n  place: {name}\n  tags: {{{tag_text}}}\n", encoding="utf-8")
    return path


def _harness_run(root: Path, bench: Path, coordinator: str, user: str, *extra: str, hold_until: Path | None = None,
                 ) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HARNESS_LAB_USER": user, "HOLD_UNTIL": str(hold_until or "")}
    for name in ("HARNESS_LOCKS", "HARNESS_LOCK_WAIT", "HARNESS_STORE", "PYTEST_XDIST_WORKER"):
        env.pop(name, None)
    cmd = [sys.executable, "-c", "import sys; from harness.cli import main; sys.exit(main())", "run",
           "--bench", str(bench), "--suites", str(root / "suite"), "--store", str(root / f"{user}.sqlite"),
           "--reports", str(root / "reports"), "--locks", f"labgrid://{coordinator}", *extra]
    return subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_until(predicate, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_provider_fails_fast_naming_the_holder_and_waits_in_a_reservation(coordinator: str) -> None:
    from harness.lab.places import LabgridProvider, places

    alice, bob = LabgridProvider(coordinator, user="alice"), LabgridProvider(coordinator, user="bob")
    claim = BenchClaim("DBCH old GSME", "dbch-old", {"ch": "dbch", "gsme": "old"})
    held = alice.acquire(claim, wait_s=0)
    state = places(coordinator)["dbch-old"]
    assert state["acquired"].endswith("/alice") and state["tags"] == {"ch": "dbch", "gsme": "old"}
    with pytest.raises(BenchReserved, match=r"DBCH old GSME \(place dbch-old.*reserved by \S+/alice: not waiting"):
        bob.acquire(claim, wait_s=0)
    t0 = time.monotonic()
    with pytest.raises(BenchReserved, match=r"after waiting 1 s") as info:
        bob.acquire(claim, wait_s=1.0)
    assert time.monotonic() - t0 >= 1.0 and info.value.holder.endswith("/alice")
    held.release()
    again = bob.acquire(claim, wait_s=0)  # the timed-out waiter's reservation was cancelled
    assert places(coordinator)["dbch-old"]["acquired"].endswith("/bob")
    again.release()
    assert places(coordinator)["dbch-old"]["acquired"] is None


def test_second_harness_run_on_a_held_bench_fails_fast_or_waits_other_bench_runs_at_once(
        coordinator: str, tmp_path: Path) -> None:
    from harness.lab.places import places, waiting

    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "test_hold.py").write_text(SUITE, encoding="utf-8")
    bench_a = _bench(tmp_path, "bench-a", {"ch": "sbch", "gsme": "new"})
    bench_b = _bench(tmp_path, "bench-b", {"ch": "dbch", "gsme": "old"})

    release = tmp_path / "release-bench-a"
    first = _harness_run(tmp_path, bench_a, coordinator, "alice", hold_until=release)
    _wait_until(lambda: (places(coordinator).get("bench-a") or {}).get("acquired"), 60, "alice to hold bench-a")
    assert places(coordinator)["bench-a"]["acquired"].endswith("/alice")

    fast = _harness_run(tmp_path, bench_a, coordinator, "bob", "--lock-wait", "0")
    out, _ = fast.communicate(timeout=60)
    assert fast.returncode == 2, out
    assert "bench bench-a (place bench-a" in out and "reserved by" in out and "/alice" in out, out
    assert first.poll() is None, "the fail-fast check must not wait for the holder"

    other = _harness_run(tmp_path, bench_b, coordinator, "bob")
    out_b, _ = other.communicate(timeout=120)
    assert other.returncode == 0, out_b
    assert "reserved bench bench-b (place bench-b, labgrid)" in out_b
    assert first.poll() is None, "a different bench must run while bench-a is held"
    assert places(coordinator)["bench-b"]["tags"] == {"ch": "dbch", "gsme": "old"}

    waiter = _harness_run(tmp_path, bench_a, coordinator, "bob", "--lock-wait", "120")
    _wait_until(lambda: any(w["owner"].endswith("/bob") and w["filter"] == {"name": "bench-a"}
                            for w in waiting(coordinator)), 60, "bob's reservation to wait for bench-a")
    assert waiter.poll() is None and first.poll() is None
    release.touch()  # alice's run ends and frees bench-a: bob's waiting run gets it
    out_a, _ = first.communicate(timeout=120)
    first_end = time.time()
    assert first.returncode == 0, out_a
    out_w, _ = waiter.communicate(timeout=120)
    assert waiter.returncode == 0, out_w
    assert "reserved bench bench-a (place bench-a, labgrid)" in out_w
    assert time.time() >= first_end
    state = places(coordinator)["bench-a"]
    assert state["acquired"] is None and state["reservation"] is None, state
