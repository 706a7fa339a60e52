"""Stimuli declared per device in a bench profile: values checked with file:line errors like every
other key; ``control`` only where there is a control channel; defaults by bench kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.bench.stimuli import Stimulus, declared
from harness.errors import ProfileError
from harness.profiles import load_bench

from .test_errors import expect

SERIAL_BENCH = """kind: bench
name: lab
connection:
  type: serial
  path: /dev/ttyUSB0
devices:
  - role: GSME
    eui: 00DB12345678E0A1
    name: lab gsme
    behaviours:
      wake_interval_s: 1800
    stimuli:
      push: wait
  - role: ESME
    eui: 00DB12345678E0A0
    name: lab esme
"""


class _Bench:
    """The little of a Bench that :func:`declared` needs."""

    def __init__(self, profile: object, emulated: bool) -> None:
        self.profile, self.emulated, self.name = profile, emulated, "b"

    def profile_device(self, role: str) -> object:
        return self.profile.device(role)  # type: ignore[attr-defined]


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bench.yaml"
    p.write_text(text)
    return p


def test_declared_stimuli_and_defaults(tmp_path: Path) -> None:
    profile = load_bench(write(tmp_path, SERIAL_BENCH))
    bench = _Bench(profile, emulated=False)
    assert declared(bench, "GSME", "push") is Stimulus.WAIT
    assert declared(bench, "GSME", "han_outage") is Stimulus.NONE  # undeclared on a real bench
    assert declared(bench, "ESME", "clock") is Stimulus.WAIT  # time passes at wall speed
    assert declared(bench, "ESME", "state") is Stimulus.NONE
    assert declared(_Bench(profile, emulated=True), "ESME", "state") is Stimulus.CONTROL


@pytest.mark.parametrize("old, new, line, field, words", [
    ("      push: wait", "      push: control", 13, "devices[0].stimuli.push", ("emulated connection", "serial")),
    ("      push: wait", "      push: sometimes", 13, "devices[0].stimuli.push", ("not one of",)),
    ("      push: wait", "      pusher: wait", 13, "devices[0].stimuli.pusher", ("unknown field", "push")),
    ("      push: wait", "      han_outage: switch", 13, "devices[0].stimuli.han_outage", ("stimuli.switch",)),
    ("      wake_interval_s: 1800\n", "", 12, "devices[0].stimuli.push", ("wake_interval_s",)),
])
def test_broken_stimuli_name_file_line_and_field(tmp_path: Path, old: str, new: str, line: int, field: str,
                                                 words: tuple[str, ...]) -> None:
    p = write(tmp_path, SERIAL_BENCH.replace(old, new))
    with pytest.raises(ProfileError) as exc:
        load_bench(p)
    expect(exc, p, line, field, *words)


def test_push_is_a_gsme_stimulus(tmp_path: Path) -> None:
    text = SERIAL_BENCH + "    stimuli:\n      push: wait\n"
    p = write(tmp_path, text)
    with pytest.raises(ProfileError) as exc:
        load_bench(p)
    expect(exc, p, 18, "devices[1].stimuli.push", "ESME", "GSME")
