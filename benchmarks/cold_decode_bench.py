"""Cold `harness decode` of one message as a process: CPU seconds (user + system) and wall.

Each round runs, interleaved so they share the machine's load of the moment:
  * ``python3 -c pass`` (the interpreter's own start-up),
  * ``python3 -c "import cryptography.hazmat.primitives.asymmetric.ec"`` (a crypto floor),
  * ``harness decode --keys default FILE`` for one MAC-protected message of each payload family
    (GBZ, DLMS, ASN.1: the first carried RTDS file of each), text output, and the GBZ one with
    ``--json``.
Figures are medians with min and max over ``--rounds`` rounds, measured with ``/usr/bin/time``
(the child's own user + system CPU, and its wall time); the target is <= 0.25 s CPU and the
ratios are to the two baselines' medians. Targets are reported, never asserted.

What the runs reuse: compiled bytecode. ``PYTHONPYCACHEPREFIX`` points at a fresh temporary
folder and one untimed run of each command fills it, as an installed package has its ``.pyc``
files (``PYTHONDONTWRITEBYTECODE`` is removed for the children). Nothing else is shared: each
run is a new interpreter that loads the keystore, the catalogue and the codecs itself.
``sys.executable`` is run directly (a pyenv shim in front adds ~0.1 s of bash, not ours).

The machine may be shared with other work: the load average is printed first and last; CPU
seconds are what the process itself cost, wall seconds include waiting for a core.

    python3 benchmarks/cold_decode_bench.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RTDS = ROOT / "tests" / "data" / "rtds" / "RTDS-4.5.0"
TARGET_CPU = 0.25  # seconds, at most
TIME = "/usr/bin/time"
HARNESS = "import sys; from harness.cli import main; sys.exit(main())"  # what the console script runs


def one_message_per_family() -> dict[str, Path]:
    """The first carried RTDS message (by path) of each payload family that carries a MAC."""
    sys.path.insert(0, str(ROOT))
    from harness.gbcs.frame import parse_message
    from harness.gbcs.payload import family_of

    chosen: dict[str, Path] = {}
    for file in sorted(RTDS.rglob("*.HEX")):
        msg = parse_message(bytes.fromhex("".join(file.read_text().split())))
        family = family_of(msg.content)
        if family != "raw" and msg.mac is not None:
            chosen.setdefault(family, file)
    return chosen


def commands() -> dict[str, list[str]]:
    py = sys.executable
    files = one_message_per_family()
    cmds = {
        "python3 -c pass": [py, "-c", "pass"],
        "python3 -c 'import ...asymmetric.ec'": [py, "-c", "import cryptography.hazmat.primitives.asymmetric.ec"],
    }
    for family, file in files.items():
        cmds[f"harness decode --keys default ({family})"] = [py, "-c", HARNESS, "decode", "--keys", "default",
                                                             str(file)]
    cmds["harness decode --keys default --json (gbz)"] = [py, "-c", HARNESS, "decode", "--json", "--keys",
                                                          "default", str(files["gbz"])]
    return cmds


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds user+system, wall seconds) of one child process, from /usr/bin/time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        proc = subprocess.run([TIME, "-o", out.name, "-f", "%U %S %e", *cmd], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-500:]}")
        user, system, wall = (float(x) for x in out.read().split()[-3:])
    return user + system, wall


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):6.3f} [{min(values):.3f}..{max(values):.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=11, help="timed runs of each command (medians)")
    args = parser.parse_args()
    if not os.access(TIME, os.X_OK):
        raise SystemExit(f"{TIME} is needed (Debian package 'time')")
    cache = tempfile.mkdtemp(prefix="harness-pyc-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=cache)
    cmds = commands()
    for cmd in cmds.values():
        run_once(cmd, env)  # untimed: fills the bytecode cache
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (shared machine); "
          f"{args.rounds} rounds, interleaved; {sys.executable}")
    cpu: dict[str, list[float]] = {name: [] for name in cmds}
    wall: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(args.rounds):
        for name, cmd in cmds.items():
            c, w = run_once(cmd, env)
            cpu[name].append(c)
            wall[name].append(w)
    base_pass = statistics.median(cpu["python3 -c pass"])
    base_ec = statistics.median(cpu["python3 -c 'import ...asymmetric.ec'"])
    print(f"{'command':<46} {'CPU s median [min..max]':<26} {'wall s median [min..max]':<26} "
          f"x pass  x ec    target <= {TARGET_CPU} s CPU")
    for name in cmds:
        med = statistics.median(cpu[name])
        verdict = ("meets" if med <= TARGET_CPU else "misses") if name.startswith("harness") else ""
        print(f"{name:<46} {summary(cpu[name]):<26} {summary(wall[name]):<26} "
              f"{med / base_pass:5.2f}  {med / base_ec:5.2f}  {verdict}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
