"""Decode throughput over the carried RTDS messages (standard library timers only).

Reports messages/second, mean ms/message and the ratio to the issue's targets for
  * decode only (no keystore: header, payload tree, round trip);
    target >= 20,000 msg/s (ratio = rate / 20,000),
  * decode + verify (MAC, signature) + decrypt with the packaged RTDS keystore, cold (a fresh
    keystore object and empty security caches, one pass: what a CLI run over many files sees)
    and warm (caches of shared secrets, derived keys and signature verdicts filled);
    target <= 0.1 ms/message (ratio = 0.1 / measured ms).
A ratio >= 1.00 meets the target. Targets are reported, never asserted.

Rates and ratios are wall-clock. The machine may be shared: every figure is measured
``--repeat`` times and the best and the median are shown (the best is the least disturbed run),
with the process CPU time per message (what the code costs, whatever else runs). Compare
before/after with the same options and a similar load average (printed first).

    python3 bench/decode_bench.py [--rounds N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from harness.gbcs.decode import decode
from harness.gbcs.security import Keystore, clear_caches

ROOT = Path(__file__).resolve().parents[1]
RTDS = ROOT / "tests" / "data" / "rtds" / "RTDS-4.5.0"
DECODE_ONLY_TARGET = 20_000.0  # msg/s, at least
KEYED_TARGET_MS = 0.1  # ms/message, at most


def load() -> list[bytes]:
    return [bytes.fromhex("".join(p.read_text().split())) for p in sorted(RTDS.rglob("*.HEX"))]


def timed(messages: list[bytes], keystore: Keystore | None, rounds: int) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of ``rounds`` passes."""
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for data in messages:
            decode(data, keystore)
    return time.perf_counter() - start, time.process_time() - cpu


def measure(run: Callable[[], tuple[float, float]], repeat: int) -> list[tuple[float, float]]:
    return [run() for _ in range(repeat)]


def report(label: str, timings: list[tuple[float, float]], count: int, target: str) -> None:
    seconds = [wall for wall, _ in timings]
    best, median = min(seconds), statistics.median(seconds)
    cpu_ms = 1000 * min(cpu for _, cpu in timings) / count
    rate, ms = count / best, 1000 * best / count
    if target == "rate":
        ratio, goal = rate / DECODE_ONLY_TARGET, f">= {DECODE_ONLY_TARGET:,.0f} msg/s"
    else:
        ratio, goal = KEYED_TARGET_MS / ms, f"<= {KEYED_TARGET_MS} ms/msg"
    verdict = "meets" if ratio >= 1.0 else "misses"
    print(f"{label:<34} {rate:>7,.0f} msg/s {ms:>7.4f} ms/msg  x{ratio:5.2f} of target ({goal}: {verdict})"
          f"  [median {count / median:,.0f} msg/s {1000 * median / count:.4f} ms/msg; CPU {cpu_ms:.4f} ms/msg]")


def cold_pass(messages: list[bytes]) -> tuple[float, float]:
    keystore = Keystore.packaged()  # a fresh keystore object, untimed (loading is reported apart)
    clear_caches()
    return timed(messages, keystore, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20, help="passes over the messages per timing (warm)")
    parser.add_argument("--repeat", type=int, default=5, help="timings per figure (best and median shown)")
    args = parser.parse_args()
    messages = load()
    n = len(messages)
    t0 = time.perf_counter()
    keystore = Keystore.packaged()
    load_ms = 1000 * (time.perf_counter() - t0)
    print(f"{n} RTDS messages; keystore load {load_ms:.1f} ms; load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} CPUs; best of {args.repeat}")
    timed(messages, None, 1)  # imports, first-call costs
    report("decode only", measure(lambda: timed(messages, None, args.rounds), args.repeat),
           n * args.rounds, "rate")
    report("decode+verify+decrypt (cold pass)", measure(lambda: cold_pass(messages), args.repeat), n, "ms")
    timed(messages, keystore, 1)  # fill the caches
    report("decode+verify+decrypt (warm)", measure(lambda: timed(messages, keystore, args.rounds), args.repeat),
           n * args.rounds, "ms")


if __name__ == "__main__":
    main()
