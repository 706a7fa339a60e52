"""Decode throughput over the carried RTDS messages (public tools only: time.perf_counter).

Reports messages/second and mean ms/message for
  * decode only (no keystore: header, payload tree, round trip),
  * decode + verify + decrypt with the packaged RTDS keystore, cold (first pass, empty caches)
    and warm (caches of shared secrets, derived keys and signature verdicts filled).
Targets (reported, not asserted): >= 20,000 msg/s decode-only; <= 0.1 ms/message with keys.

    python3 bench/decode_bench.py [--rounds N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from harness.gbcs.decode import decode
from harness.gbcs.security import Keystore, kdf, signing

ROOT = Path(__file__).resolve().parents[1]
RTDS = ROOT / "tests" / "data" / "rtds" / "RTDS-4.5.0"


def load() -> list[bytes]:
    return [bytes.fromhex("".join(p.read_text().split())) for p in sorted(RTDS.rglob("*.HEX"))]


def timed(messages: list[bytes], keystore: Keystore | None, rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for data in messages:
            decode(data, keystore)
    return time.perf_counter() - start


def report(label: str, seconds: float, count: int) -> None:
    print(f"{label:<34} {count / seconds:>10,.0f} msg/s {1000 * seconds / count:>8.4f} ms/msg ({count} msgs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    messages = load()
    n = len(messages)
    t0 = time.perf_counter()
    keystore = Keystore.packaged()
    print(f"keystore load: {1000 * (time.perf_counter() - t0):.1f} ms; {n} RTDS messages")
    timed(messages, None, 1)  # imports, first-call costs
    report("decode only", timed(messages, None, args.rounds), n * args.rounds)
    kdf.clear_caches()
    signing.clear_caches()
    report("decode+verify+decrypt (cold pass)", timed(messages, keystore, 1), n)
    report("decode+verify+decrypt (warm)", timed(messages, keystore, args.rounds), n * args.rounds)


if __name__ == "__main__":
    main()
