"""Round trips over a pty to a separate ``harness emulate`` process: the harness's own cost per
exchange (client CPU time: build, sign, MAC, verify, decrypt, decode, record) as a fraction of
the wire time the same bytes need at 115,200 baud (bytes x 10 / baud). Target <= 0.10.

    python3 benchmarks/roundtrip_bench.py [--n 200] [--baud 115200]

Reports; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

from harness.bench.bench import Bench
from harness.profiles import default_bench_path

CASES = (("GPF", "GCS13a", {}), ("GPF", "GCS60a", {}), ("GSME", "GCS14", {}),
         ("GSME", "GCS04r", {"register": "TDR1"}), ("ESME", "ECS19", {}), ("ESME", "ECS07r", {"register": "PDR"}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="exchanges per use case")
    ap.add_argument("--baud", type=int, default=115_200)
    args = ap.parse_args()
    profile = default_bench_path().parent / "emulated-process.yaml"
    bench = Bench.from_profile(str(profile))
    try:
        bench.reset()
        print(f"{'use case':8} {'bytes':>6} {'wire ms':>8} {'harness ms':>10} {'ratio':>6} {'round trip ms':>13}")
        ratios = []
        for role, uc, params in CASES:
            handle = bench.handle(role)
            handle.send(uc, **params)  # warm caches (ECDH per key pair, catalogue)
            t = bench.transport
            b0 = t.bytes_in + t.bytes_out
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for _ in range(args.n):
                handle.send(uc, **params).require()
                bench.recorder.clear()
            cpu = (time.process_time() - cpu0) / args.n
            wall = (time.perf_counter() - wall0) / args.n
            nbytes = (t.bytes_in + t.bytes_out - b0) / args.n
            wire = nbytes * 10 / args.baud
            ratio = cpu / wire
            ratios.append(ratio)
            print(f"{uc:8} {nbytes:6.0f} {wire * 1e3:8.2f} {cpu * 1e3:10.3f} {ratio:6.3f} {wall * 1e3:13.2f}")
        print(f"median harness/wire ratio {statistics.median(ratios):.3f}, worst {max(ratios):.3f} "
              f"(target <= 0.10; harness = client-process CPU per exchange)")
    finally:
        bench.close()


if __name__ == "__main__":
    main()
