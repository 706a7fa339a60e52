"""Compliant-device generator: the suites must pass on devices nobody here tuned them to.

Draws compliant emulated benches from the legal space, from one seed printed at the start (and
kept in the JUnit properties): device EUIs with fresh TEST-ONLY key pairs, the compatibility case
(new/old CH, new/old GSME), the GSME clock against the CH clock (seconds to hours, either way) and
a GSME with an invalid clock, wake intervals from seconds to 60 minutes, reply latency, register
values, and the legal alternative date-time encodings (day of week filled in, hundredths 0xFF,
deviation 0x0000 instead of 0x8000). Each variant runs a share of the compliance suites' tests
(every suite test runs on at least one variant per run) in its own pytest process on the
virtual clock; every test must pass or skip. Also drawn: the Communications Hub clock (reliable,
unreliable or invalid), the reliability the GPF declares for its own time while the clock is good
(the seed's unreliable, or the RTDS-observed reliable with its reason), and which of the test
keystore's two suppliers the devices are registered to.

``HARNESS_VARIANTS=N`` draws N variants (default 30), ``HARNESS_VARIANT_SEED=S`` repeats a run,
``HARNESS_VARIANT_TESTS=all`` runs every suite test on every variant (slow).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from selftest_util import PROFILES, ROOT, failure_message, on_default_bench, run_many

from harness.emulators.keys import write_device_keys

SUITES = ("tests/compliance/secmp0015", "tests/compliance/secmp0002")
DEVICES = PROFILES / "devices"
REMOTE_PARTIES = {"keystore": "builtin", "supplier": "90B3D51F30010000",
                  "network_operator": "90B3D51F30020000", "acb": "90B3D51F30000002"}
#: The test keystore's two suppliers: which one the devices are registered to is drawn, so the
#: other ("a supplier that is not the device's") is sometimes the lower EUI, sometimes the higher.
SUPPLIERS = ("90B3D51F30010000", "90B3D51F30030000")
OWN_TIME_REASON = "RTDS 4.5.0 ...SUCCESS_RELIABLE_GPF_RESPONSE: the GPF's own time with status 0x00"
#: The compatibility cases: (CHF, GPF, GSME) base device profiles of compliant devices.
CASES = [
    ("chf-sbch-new.yaml", "gpf-sbch-new.yaml", "gsme-new.yaml"),
    ("chf-sbch-new.yaml", "gpf-sbch-new.yaml", "gsme-new.yaml"),
    ("chf-dbch-new.yaml", "gpf-dbch-new.yaml", "gsme-new.yaml"),
    ("chf-sbch-new.yaml", "gpf-sbch-new.yaml", "gsme-old.yaml"),
    ("chf-sbch-old.yaml", "gpf-sbch-old.yaml", "gsme-new.yaml"),
    ("chf-sbch-old.yaml", "gpf-sbch-old.yaml", "gsme-old.yaml"),
]


def variant_count() -> int:
    return max(1, int(os.environ.get("HARNESS_VARIANTS") or 30))


def variant_seed() -> int:
    text = os.environ.get("HARNESS_VARIANT_SEED")
    return int(text, 0) if text else random.SystemRandom().randrange(1 << 32)


@dataclass
class Variant:
    """One generated compliant bench: its profile file and what was drawn."""

    name: str
    path: Path
    drawn: dict[str, Any] = field(default_factory=dict)
    tests: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.name} ({self.path}): " + ", ".join(f"{k}={v}" for k, v in self.drawn.items())


def _eui(rng: random.Random, used: set[str]) -> str:
    while True:
        eui = "00DB" + "".join(f"{rng.randrange(256):02X}" for _ in range(6))
        if eui not in used:
            used.add(eui)
            return eui


def _clock_offset(rng: random.Random) -> int:
    """GSME clock minus CH clock: zero, seconds, minutes or hours, either way."""
    scale = rng.choice((0, 1, 60, 3600))
    return 0 if scale == 0 else rng.choice((-1, 1)) * rng.randint(1, 3 if scale == 3600 else 59) * scale \
        + (rng.randint(0, 59) if scale else 0)


def draw_variant(rng: random.Random, name: str, folder: Path) -> Variant:
    """A compliant bench drawn with ``rng``, written to ``folder``."""
    chf, gpf, gsme = rng.choice(CASES)
    used: set[str] = set()
    euis = {role: _eui(rng, used) for role in ("CHF", "GPF", "GSME", "ESME", "IHD")}
    keys = folder / "keys"
    for eui in euis.values():
        write_device_keys(keys, eui)
    gsme_new = "new" in gsme
    drawn: dict[str, Any] = {"case": f"{chf.split('-')[2].removesuffix('.yaml')} CH + {'new' if gsme_new else 'old'} GSME"}
    wake = rng.choice((rng.randint(10, 59), rng.randint(60, 600), rng.randint(600, 3600), 1800))
    offset = _clock_offset(rng)
    gsme_clock = "invalid" if gsme_new and rng.random() < 0.1 else "reliable"
    latency = rng.choice((0, 0, rng.randint(1, 400), rng.randint(400, 2500)))
    style = {"day_of_week": rng.random() < 0.5, "hundredths_unspecified": rng.random() < 0.5,
             "deviation": rng.choice(("unspecified", 0))}
    registers = {"CurrentSummationDelivered": rng.randint(0, 9_999_999),
                 "CreditRemaining": rng.randint(100_000, 9_000_000),
                 "BillToDateDelivered": rng.randint(0, 9_000_000),
                 "DebtAmount1": rng.randint(0, 90_000), "DebtAmount2": rng.randint(0, 90_000),
                 "DebtAmount3": rng.randint(0, 90_000)}
    esme_registers = {"meter_balance": rng.randint(100_000, 900_000), "TDR1": rng.randint(0, 300_000),
                      "TDR2": rng.randint(0, 300_000), "PDR": rng.randint(0, 300_000)}
    ch_clock = rng.choice(("reliable", "reliable", "unreliable", "invalid"))
    own_time = rng.choice(("unreliable", "reliable"))
    supplier = rng.choice(SUPPLIERS)
    drawn.update(wake_interval_s=wake, gsme_clock_offset_s=offset, gsme_clock=gsme_clock, reply_latency_ms=latency,
                 date_time_style=style, ch_clock=ch_clock, gpf_own_time=own_time, supplier=supplier, euis=euis)
    gpf_behaviours: dict[str, Any] = {"ch_clock": ch_clock, "gpf_time_reliability": own_time}
    if own_time == "reliable":
        gpf_behaviours["gpf_time_reliability_reason"] = OWN_TIME_REASON

    def dev(base: str, role: str, **over: Any) -> dict[str, Any]:
        return {"profile": str(DEVICES / base), "eui": euis[role], "keys": str(keys), **over}

    styled = {"emulator": {"reply_latency_ms": latency, "date_time_style": style}}
    bench = {
        "kind": "bench", "name": name, "description": f"generated compliant variant {name}",
        "connection": {"type": "emulated"}, "timeouts": {"response_s": 30, "han_s": 60},
        "remote_parties": {**REMOTE_PARTIES, "supplier": supplier},
        "devices": [
            dev(chf, "CHF", behaviours={"ch_clock": ch_clock}),
            dev(gpf, "GPF", behaviours=gpf_behaviours, **styled),
            dev(gsme, "GSME", behaviours={"wake_interval_s": wake, "clock_offset_s": offset, "gsme_clock": gsme_clock},
                emulator={"registers": registers, "reply_latency_ms": latency}),
            dev("esme.yaml", "ESME", emulator={"registers": esme_registers, "reply_latency_ms": latency,
                                                "date_time_style": style}),
            dev("ihd.yaml", "IHD"),
        ],
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(bench, sort_keys=False))
    return Variant(name, path, drawn)


def suite_tests() -> list[str]:
    """Node ids of every compliance-suite test (collected on the default bench)."""
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-p", "no:randomly", *SUITES], cwd=ROOT, capture_output=True, text=True, timeout=300)
    ids = [line.strip() for line in proc.stdout.splitlines() if "::" in line]
    assert ids, f"no suite tests collected:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    return ids


def share_tests(tests: list[str], variants: list[Variant], rng: random.Random) -> None:
    """Deal the tests out so every test runs on at least one variant (all on each with
    ``HARNESS_VARIANT_TESTS=all``)."""
    if os.environ.get("HARNESS_VARIANT_TESTS") == "all":
        for v in variants:
            v.tests = list(tests)
        return
    order = list(tests)
    rng.shuffle(order)
    per = max(4, -(-len(order) // len(variants)))
    for i, v in enumerate(variants):
        v.tests = [order[(i * per + k) % len(order)] for k in range(per)]


SEED = variant_seed()


@pytest.fixture(scope="module")
def variants(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[Variant]:
    if not on_default_bench(request.config):
        pytest.skip("the compliant-variant self-test runs only in the harness's own test run")
    seed = SEED
    print(f"\ncompliant variants: HARNESS_VARIANT_SEED={seed} HARNESS_VARIANTS={variant_count()}")
    folder = tmp_path_factory.mktemp("variants")
    rng = random.Random(seed)
    drawn = [draw_variant(random.Random(rng.randrange(1 << 32)), f"variant-{i:03d}", folder / f"v{i:03d}")
             for i in range(variant_count())]
    share_tests(suite_tests(), drawn, rng)
    return drawn


@pytest.mark.slow
def test_suites_pass_on_every_generated_compliant_variant(variants: list[Variant], tmp_path: Path,
                                                          record_property: Any) -> None:
    seed = SEED
    record_property("variant_seed", seed)
    record_property("variants", len(variants))
    runs = run_many(list(SUITES), {v.name: v.path for v in variants}, tmp_path,
                    tests={v.name: v.tests for v in variants})
    problems = []
    for v in variants:
        run = runs[v.name]
        if not run.records:
            problems.append(f"{v.describe()}\n  no records (exit {run.returncode}):\n{run.output[-1500:]}")
            continue
        for r in run.failed():
            problems.append(f"{v.describe()}\n  {r.nodeid} {r.outcome}: {failure_message(r)[:800]}")
    covered = {t for v in variants for t in v.tests}
    assert covered, "no suite test was dealt to any variant"
    assert not problems, (f"the suites fail compliant generated variants (seed {seed}; repeat with "
                          f"HARNESS_VARIANT_SEED):\n" + "\n".join(problems))
