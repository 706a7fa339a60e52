"""Helpers for the bench-client tests: profiles from the repository's device_profiles/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.bench.bench import Bench
from harness.profiles import default_bench_path

BENCHES = Path(default_bench_path()).parent
DEVICES = BENCHES.parent / "devices"


def bench_yaml(tmp_path: Path, name: str, devices: list[str], connection: str = "emulated") -> Path:
    """A bench profile file using repository device profiles (absolute paths)."""
    lines = ["kind: bench", f"name: {name}", "connection:", f"  type: {connection}", "timeouts:",
             "  response_s: 5", "  han_s: 5", "devices:"]
    lines += [f"  - profile: {DEVICES / d}" for d in devices]
    path = tmp_path / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def default_bench() -> Iterator[Bench]:
    bench = Bench.from_profile(str(default_bench_path()))
    bench.reset()
    yield bench
    bench.close()
