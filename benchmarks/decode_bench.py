"""In-process decode cost per message over the RTDS corpus (standard library timers only).

Corpus: ``$RTDS_ROOT`` when set (a folder holding ``RTDS-4.5.0/`` or the message folders
themselves: the full 1,275-message set where you have it), else the 675 messages carried in
``tests/data/rtds`` -- the output says which and how many.

Figures, each per message, as CPU microseconds (``time.process_time``) and wall microseconds
(``time.perf_counter``), median [min..max] over ``--repeat`` timings of ``--rounds`` passes:
  * decode only: ``decode(bytes)`` without keys (header, payload tree, round trip);
    target <= 50 us CPU;
  * decode only + JSON: the same plus ``json.dumps(decoded.to_json())``, what ``harness decode
    --json`` pays per message;
  * decode + verify (warm): with the packaged RTDS keystore -- MAC tag recomputed and compared,
    signature verified with ECDSA, protected content decrypted, on every message every time.
    "Warm" reuses: the keystore object (keys loaded), ECDH shared secrets per key pair, derived
    AES keys per (key pair, header), AES-GCM contexts. No verdict is cached anywhere (the
    signature verdict cache is gone), so nothing answers for a message without checking it.
    Target <= 170 us CPU;
  * decode + verify + JSON (warm): the same plus the JSON the CLI prints;
  * decode + verify (cold pass): a fresh keystore object and empty security caches, then one pass
    (what one ``harness decode --keys`` over the whole corpus pays after start-up); the keystore
    load is timed apart.
A ratio >= 1.00 meets a target (ratio = target / measured CPU median). Targets are reported,
never asserted. The machine may be shared: the load average is printed; CPU time is what this
process spent, wall time includes waiting for a core.

    python3 benchmarks/decode_bench.py [--rounds N] [--repeat R]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.gbcs.decode import decode  # noqa: E402
from harness.gbcs.frame import parse_message  # noqa: E402
from harness.gbcs.payload import family_of  # noqa: E402
from harness.gbcs.security import Keystore, clear_caches  # noqa: E402

CARRIED = ROOT / "tests" / "data" / "rtds" / "RTDS-4.5.0"
DECODE_TARGET_US = 50.0
VERIFY_TARGET_US = 170.0


def corpus() -> tuple[Path, str]:
    given = os.environ.get("RTDS_ROOT")
    if not given:
        return CARRIED, "carried subset (set RTDS_ROOT for the full set)"
    root = Path(given)
    if (root / "RTDS-4.5.0").is_dir():
        root = root / "RTDS-4.5.0"
    return root, f"RTDS_ROOT={given}"


def load(root: Path) -> list[bytes]:
    messages = [bytes.fromhex("".join(p.read_text().split())) for p in sorted(root.rglob("*.HEX"))]
    if not messages:
        raise SystemExit(f"no *.HEX messages under {root}")
    return messages


def timed(fn: Callable[[], None]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def passes(messages: list[bytes], keystore: Keystore | None, as_json: bool, rounds: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(rounds):
            for data in messages:
                decoded = decode(data, keystore)
                if as_json:
                    json.dumps(decoded.to_json(), separators=(", ", ": "))
    return run


def line(label: str, timings: list[tuple[float, float]], per: int, target_us: float | None) -> None:
    cpu = [1e6 * c / per for c, _ in timings]
    wall = [1e6 * w / per for _, w in timings]
    med = statistics.median(cpu)
    goal = ""
    if target_us is not None:
        ratio = target_us / med
        goal = f"x{ratio:5.2f} of target (<= {target_us:.0f} us CPU: {'meets' if ratio >= 1 else 'misses'})"
    print(f"{label:<36} CPU {med:7.1f} us [{min(cpu):6.1f}..{max(cpu):6.1f}]  "
          f"wall {statistics.median(wall):7.1f} us [{min(wall):6.1f}..{max(wall):6.1f}]  {goal}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the corpus per timing (warm figures)")
    parser.add_argument("--repeat", type=int, default=7, help="timings per figure (median, min, max shown)")
    args = parser.parse_args()
    root, where = corpus()
    messages = load(root)
    n = len(messages)
    families = collections.Counter(family_of(parse_message(m).content) for m in messages)
    load_s = [timed(Keystore.packaged)[0] for _ in range(args.repeat)]
    keystore = Keystore.packaged()
    print(f"{n} RTDS messages ({where}: {root}); families "
          + ", ".join(f"{k} {v}" for k, v in sorted(families.items()))
          + f"; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (shared machine)")
    print(f"keystore load (packaged, indexed): CPU {1e3 * statistics.median(load_s):.1f} ms "
          f"[{1e3 * min(load_s):.1f}..{1e3 * max(load_s):.1f}]; median [min..max] of {args.repeat} timings")
    passes(messages, keystore, True, 1)()  # imports and first-call costs, untimed
    per = n * args.rounds
    for label, keys, as_json, target in (
        ("decode only", None, False, DECODE_TARGET_US),
        ("decode only + JSON", None, True, DECODE_TARGET_US),
        ("decode + verify (warm)", keystore, False, VERIFY_TARGET_US),
        ("decode + verify + JSON (warm)", keystore, True, VERIFY_TARGET_US),
    ):
        line(label, [timed(passes(messages, keys, as_json, args.rounds)) for _ in range(args.repeat)], per, target)

    def cold() -> tuple[float, float]:
        fresh = Keystore.packaged()  # untimed: reported above
        clear_caches()
        return timed(passes(messages, fresh, False, 1))

    line("decode + verify (cold pass)", [cold() for _ in range(args.repeat)], n, VERIFY_TARGET_US)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
