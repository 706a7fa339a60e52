"""The layers import downwards only (issue #13's acceptance): read from the source, so a new
import that reaches around a layer fails here, naming the file and the line."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[1] / "harness"


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in ``path``, lazy ones inside functions included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(HARNESS.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # ``from harness import faults``
                yield node.lineno, f"{module}.{alias.name}"


def _offences(folders: tuple[str, ...], forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    out = []
    for folder in folders:
        root = HARNESS / folder
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            rel = path.relative_to(HARNESS.parent).as_posix()
            if any(rel == a or rel.startswith(a + "/") for a in allowed):
                continue
            for line, module in _imports(path):
                if any(module == f or module.startswith(f + ".") for f in forbidden):
                    out.append(f"{rel}:{line}: imports {module}")
    return out


@pytest.mark.parametrize(("folders", "forbidden", "allowed"), [
    (("",), ("harness.commands",), ("harness/cli.py", "harness/commands")),
    (("profiles", "bench"), ("harness.emulators", "harness.commands", "harness.zigbee"), ()),
    (("report",), ("harness.gbcs",), ()),
    (("vocabulary.py", "faults.py"), ("harness.bench", "harness.emulators", "harness.profiles", "harness.report",
                                      "harness.plugin", "harness.transport", "harness.gbcs"), ()),
], ids=["commands", "profiles-bench", "report", "vocabulary"])
def test_layers_import_downwards_only(folders: tuple[str, ...], forbidden: tuple[str, ...],
                                      allowed: tuple[str, ...]) -> None:
    offences = _offences(folders, forbidden, allowed)
    assert not offences, "imports that reach around a layer:\n" + "\n".join(offences)


def test_each_concept_is_defined_once() -> None:
    """The vocabulary's names are assigned (or classes defined) only in harness/vocabulary.py."""
    names = {"SEVERITIES", "DEBT_REGISTERS", "ROLES", "METER_ROLES", "OUTCOMES", "CONNECTION_TYPES"}
    classes = {"Role", "Severity", "Outcome", "DebtRegister", "ConnectionType", "DefectMask", "Fault"}
    found = []
    for path in sorted(HARNESS.rglob("*.py")):
        rel = path.relative_to(HARNESS.parent).as_posix()
        if rel in ("harness/vocabulary.py", "harness/faults.py"):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and node.name in classes:
                found.append(f"{rel}:{node.lineno}: class {node.name}")
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name) and t.id in names and not _is_alias(node.value):
                        found.append(f"{rel}:{node.lineno}: {t.id} = ...")
    assert not found, "defined outside harness/vocabulary.py:\n" + "\n".join(found)


def _is_alias(value: ast.expr | None) -> bool:
    """``X = NAME`` or ``X = tuple(... for r in Role ...)``: taken from the vocabulary, not a new list."""
    if isinstance(value, ast.Name):
        return True
    return isinstance(value, ast.Call) and any(isinstance(n, ast.Name) and n.id in ("Role", "Severity")
                                                for n in ast.walk(value))


# -- requirements asserted where they are named (issue #13, item 5) ------------------------------

COMPLIANCE = HARNESS.parent / "tests" / "compliance"
TRACEABILITY = HARNESS.parent / "docs" / "TRACEABILITY.md"


def _suite_namespace() -> dict[str, object]:
    """Every name of the harness.suites modules (the requirement-id constants the tests use)."""
    import importlib

    from harness import suites

    namespace: dict[str, object] = {}
    for name in suites.MODULES:
        namespace.update(vars(importlib.import_module(f"harness.suites.{name}")))
    return namespace


def _marked_ids() -> dict[str, list[str]]:
    """Requirement id -> where a ``pytest.mark.requirement(...)`` under tests/compliance names it
    (string literals, the suites' id constants, and ``MAPPING[x]`` for every value of MAPPING)."""
    namespace = _suite_namespace()
    found: dict[str, list[str]] = {}
    unresolved = []
    for path in sorted(COMPLIANCE.rglob("*.py")):
        rel = path.relative_to(HARNESS.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = node.func if isinstance(node, ast.Call) else None
            if not (isinstance(func, ast.Attribute) and func.attr == "requirement"
                    and isinstance(func.value, ast.Attribute) and func.value.attr == "mark"):
                continue
            assert isinstance(node, ast.Call)
            for arg in node.args:
                ids: list[object]
                if isinstance(arg, ast.Constant):
                    ids = [arg.value]
                elif isinstance(arg, ast.Name) and arg.id in namespace:
                    ids = [namespace[arg.id]]
                elif isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name) \
                        and isinstance(namespace.get(arg.value.id), dict):
                    ids = list(namespace[arg.value.id].values())  # type: ignore[union-attr]
                else:
                    unresolved.append(f"{rel}:{node.lineno}: {ast.unparse(arg)}")
                    continue
                for rid in ids:
                    found.setdefault(str(rid), []).append(f"{rel}:{node.lineno}")
    assert not unresolved, "requirement marks the test cannot read:\n" + "\n".join(unresolved)
    return found


def test_every_marked_requirement_has_a_check() -> None:
    """Each id a compliance test carries is asserted by a check in harness/suites marked with it."""
    from harness.suites import index

    checks = index()
    marked = _marked_ids()
    assert "SECMP0015-FR4" in marked and "SECMP0002-R1" in marked, "the marks were not read"
    missing = [f"{rid} (marked at {', '.join(where)})" for rid, where in sorted(marked.items()) if rid not in checks]
    assert not missing, "requirement ids without a check in harness/suites:\n" + "\n".join(missing)


def test_every_check_names_a_traced_requirement() -> None:
    """Each id a harness/suites check carries has its row in docs/TRACEABILITY.md, and the id is
    written literally at the check (one grep finds it)."""
    from harness.suites import index

    rows = {m.group(1) for m in re.finditer(r"^\|\s*([^|\s][^|]*?)\s*\|", TRACEABILITY.read_text(encoding="utf-8"),
                                             re.M)}
    checks = index()
    untraced = [f"{rid}: {', '.join(names)}" for rid, names in sorted(checks.items()) if rid not in rows]
    assert not untraced, "check ids with no row in docs/TRACEABILITY.md:\n" + "\n".join(untraced)
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted((HARNESS / "suites").glob("*.py")))
    unwritten = [rid for rid in checks if f'"{rid}"' not in source]
    assert not unwritten, f"ids not written literally in harness/suites: {unwritten}"


def test_requirement_marks_the_check() -> None:
    from harness.suites import CHECKS, requirement

    @requirement("TEST-X1", "TEST-X2")
    def check_x() -> None:
        """A check."""

    try:
        assert vars(check_x)["__requirements__"] == ("TEST-X1", "TEST-X2")
        assert any(name.endswith("check_x") for name in CHECKS["TEST-X1"])
    finally:
        CHECKS.pop("TEST-X1", None)
        CHECKS.pop("TEST-X2", None)
    with pytest.raises(ValueError):
        requirement()


def test_no_emulated_test_in_suites() -> None:
    """Suites ask the bench what it can do (its stimuli), never whether it is emulated."""
    offences = [f"{p.relative_to(HARNESS.parent)}:{n}" for p in sorted(COMPLIANCE.rglob("*.py"))
                for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                if re.search(r"\.emulated\b|[\"']emulated[\"']\s*,", line)]
    assert not offences, "suites testing bench.emulated:\n" + "\n".join(offences)
