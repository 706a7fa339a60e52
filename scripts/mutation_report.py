"""Report of ``scripts/mutation``: kill rate over every module's cosmic-ray session.

A mutant is killed by the compliance suites (a compliant bench fails or a fault is no longer
caught) or, failing that, by the harness's own emulator tests (code the suites cannot reach by
design); the report counts the two apart. A survivor is either *equivalent* (listed in
``docs/mutation-equivalent.yaml`` with its reason: no behaviour of a compliant device changes, or
only how a fault misbehaves while it is still caught) or *alive* (a gap: a test must kill it).
An entry names the mutated module, cosmic-ray's operator and the source line before and after the
mutation (from the mutant's diff, so entries survive unrelated edits that move lines). The kill
rate is killed / (killed + alive); the suites' own share is printed beside it.

    python3 scripts/mutation_report.py WORK_DIR SURVIVORS_OUT EQUIVALENT_YAML
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Mutant:
    module: str
    line: int
    operator: str
    occurrence: int
    before: str
    after: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.module, self.operator, self.before, self.after)

    def describe(self) -> str:
        return (f"{self.module}:{self.line} {self.operator} #{self.occurrence}\n"
                f"    - {self.before}\n    + {self.after}")


def _changed(diff: str) -> tuple[str, str]:
    before = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    after = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    return " / ".join(before), " / ".join(after)


def sessions(work: Path) -> list[Path]:
    return sorted(work.glob("*/session.sqlite"))


def read(session: Path) -> tuple[int, int, int, list[Mutant]]:
    """(killed, killed by the emulators' own tests only, pending, survivors) of one session."""
    dump = subprocess.run(["cosmic-ray", "dump", str(session)], capture_output=True, text=True,
                          check=True).stdout
    killed = by_own = pending = 0
    survivors: list[Mutant] = []
    for line in dump.splitlines():
        item, result = json.loads(line)
        if result is None:
            pending += 1
        elif result.get("worker_outcome") == "skipped":
            continue  # filtered as equivalent by construction (the config's operator filter)
        elif result.get("test_outcome") == "survived":
            before, after = _changed(result.get("diff") or "")
            for m in item.get("mutations", []):
                survivors.append(Mutant(m["module_path"], m["start_pos"][0], m["operator_name"],
                                        m["occurrence"], before, after))
        else:
            killed += 1
            by_own += "killed by own tests" in (result.get("output") or "")
    return killed, by_own, pending, survivors


def main(argv: list[str]) -> int:
    work, out, equivalent_path = Path(argv[0]), Path(argv[1]), Path(argv[2])
    entries = yaml.safe_load(equivalent_path.read_text()) if equivalent_path.exists() else []
    equivalent = {(e["module"], e["operator"], e["before"], e["after"]): e["why"] for e in entries or []}
    killed = by_own = pending = 0
    survivors: list[Mutant] = []
    found = sessions(work)
    if not found:
        print(f"no session under {work}: run scripts/mutation first", file=sys.stderr)
        return 2
    for session in found:
        k, o, p, s = read(session)
        killed, by_own, pending = killed + k, by_own + o, pending + p
        survivors += s
    alive = [m for m in survivors if m.key not in equivalent]
    matched = [m for m in survivors if m.key in equivalent]
    stale = sorted(set(equivalent) - {m.key for m in survivors})
    done = killed + len(alive)
    rate = 100.0 * killed / done if done else 0.0
    text = [f"# Mutation testing (cosmic-ray; scripts/mutation): {len(found)} session(s) under {work}",
            f"# killed {killed} ({killed - by_own} by the compliance suites, {by_own} only by the emulators' "
            f"own tests), survived {len(survivors)} ({len(matched)} equivalent, {len(alive)} alive), "
            f"pending {pending}",
            f"# kill rate of non-equivalent mutants: {rate:.1f} % ({killed} of {done}); by the suites alone "
            f"{100.0 * (killed - by_own) / done if done else 0.0:.1f} %", "",
            f"## Alive ({len(alive)}): a test should kill each", ""]
    text += [m.describe() for m in sorted(alive, key=lambda m: (m.module, m.line, m.operator))]
    text += ["", f"## Equivalent ({len(matched)}): docs/mutation-equivalent.yaml says why", ""]
    text += [f"{m.describe()}\n    why: {equivalent[m.key]}"
             for m in sorted(matched, key=lambda m: (m.module, m.line, m.operator))]
    if stale:
        text += ["", f"## Entries of docs/mutation-equivalent.yaml no survivor matched ({len(stale)})", ""]
        text += [f"{mod} {op}\n    - {b}\n    + {a}" for mod, op, b, a in stale]
    out.write_text("\n".join(text) + "\n")
    print("\n".join(text))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
