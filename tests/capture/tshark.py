"""Run stock tshark on a capture (shared by the capture tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

FIELDS = ("frame.number", "frame.comment", "frame.packet_flags_direction", "frame.protocols",
          "gbcs_message.grouping_header.message_code", "wpan.src64", "wpan.dst64", "zbee_aps.cluster",
          "zbee_zcl.cmd.id", "_ws.col.Info")


def tshark_available() -> bool:
    """Whether the tshark checks run here: always under CI (where a missing tshark fails)."""
    return shutil.which("tshark") is not None or bool(os.environ.get("CI"))


def tshark_path() -> str:
    path = shutil.which("tshark")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("tshark is not installed: scripts/setup installs Debian's tshark")
        pytest.skip("tshark not installed (scripts/setup installs it)")
    return path


def tshark_fields(capture: Path, home: Path) -> list[dict[str, str]]:
    """One dict of FIELDS per packet, as Debian's tshark shows them (skips without tshark,
    fails under CI: scripts/setup installs it)."""
    tshark = tshark_path()
    # An empty HOME and XDG dir: no personal Wireshark preferences or DLT_USER table can help.
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    cmd = [tshark, "-n", "-r", str(capture), "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for name in FIELDS:
        cmd += ["-e", name]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False, env=env)
    assert proc.returncode == 0, proc.stderr
    return [dict(zip(FIELDS, line.split("\t"))) for line in proc.stdout.splitlines()]
