"""The layers import downwards only (issue #13's acceptance): read from the source, so a new
import that reaches around a layer fails here, naming the file and the line."""

from __future__ import annotations

import ast
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
