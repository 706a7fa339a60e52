"""Every waiver in a shipped profile names something that exists: a test pattern matching at least
one compliance test, or a requirement id some compliance test carries (a waiver that matches
nothing silently waives nothing)."""

from __future__ import annotations

import ast
import fnmatch
from pathlib import Path

import pytest

from harness.profiles import load_bench

REPO = Path(__file__).resolve().parents[2]
BENCHES = sorted((REPO / "device_profiles" / "benches").glob("*.yaml"))


def _compliance_tests() -> tuple[set[str], str]:
    names: set[str] = set()
    text = []
    for path in (REPO / "tests" / "compliance").rglob("test_*.py"):
        source = path.read_text()
        text.append(source)
        names |= {n.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)
                  and n.name.startswith("test_")}
    return names, "\n".join(text)


@pytest.mark.parametrize("path", BENCHES, ids=[p.stem for p in BENCHES])
def test_every_waiver_matches_a_compliance_test(path: Path) -> None:
    names, sources = _compliance_tests()
    for _, waiver in load_bench(path).waivers():
        if waiver.test is not None:
            assert any(fnmatch.fnmatchcase(n, waiver.test.split("::")[-1].split("[")[0]) or n == waiver.test
                       for n in names), f"{path.name}: waiver test {waiver.test!r} matches no compliance test"
        if waiver.requirement is not None:
            assert f'"{waiver.requirement}"' in sources or waiver.requirement in sources, \
                f"{path.name}: waiver requirement {waiver.requirement!r} is carried by no compliance test"


def test_the_template_waives_the_esme_local_time_test() -> None:
    bench = load_bench(REPO / "device_profiles" / "benches" / "real-bench-template.yaml")
    patterns = [w.test for _, w in bench.waivers() if w.test]
    assert any(fnmatch.fnmatchcase("test_esme_time_across_clock_change", p.split("[")[0]) for p in patterns)
