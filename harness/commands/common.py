"""Small helpers every subcommand shares: plain-text help from reST docstrings and options that
fall back to an environment variable (named in their help). Import-light: ``os``/``re`` only."""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

_LITERAL = re.compile(r"``(.+?)``")
_ROLE = re.compile(r":[a-z]+:`([^`]+)`")
_TICK = re.compile(r"`([^`]+)`")

#: every environment variable an option of ``harness`` falls back to (the pytest plugin's too)
ENVIRONMENT = {
    "HARNESS_BENCH": "bench profile (harness send/emulate, the pytest plugin's --bench)",
    "HARNESS_PROFILE_SET": "profile set (harness run, the pytest plugin's --profile-set)",
    "HARNESS_STORE": "cycle store, SQLite file or postgresql:// URL (harness run/cycles/report)",
    "HARNESS_CYCLE_STORE": "cycle store of the pytest plugin's --cycle-store",
    "HARNESS_CYCLE_ID": "cycle id (harness run, the plugin's --cycle-id)",
    "HARNESS_PORT": "port of the bench for harness send",
    "HARNESS_KEYS": "keystore of harness decode",
    "HARNESS_PROFILES_DIR": "folder of device profiles (default: device_profiles/)",
}


def plain(text: str | None) -> str | None:
    """reST markup out of a docstring for ``--help``: ````x```` and ```x``` -> x, ``:role:`x``` -> x."""
    if text is None:
        return None
    return _TICK.sub(r"\1", _ROLE.sub(r"\1", _LITERAL.sub(r"\1", text)))


def add_env_option(parser: Any, *flags: str, env: str, default: Any = None, help: str = "",
                   **kwargs: Any) -> argparse.Action:
    """``parser.add_argument(*flags)`` whose default is ``$env`` when set (else ``default``); the
    help names the variable. The action keeps it as ``action.env`` (checked by a test)."""
    if env not in ENVIRONMENT:
        raise ValueError(f"{env} is not in harness.commands.common.ENVIRONMENT")
    value = os.environ.get(env) or default
    text = f"{help} (env {env})" if help else f"env {env}"
    action = parser.add_argument(*flags, default=value, help=text, **kwargs)
    action.env = env  # the variable the option falls back to (shown in --help texts)
    made: argparse.Action = action
    return made


def environment_epilog() -> str:
    """The ``Environment:`` block of ``harness --help``."""
    width = max(len(name) for name in ENVIRONMENT)
    return "environment variables:\n" + "\n".join(
        f"  {name:<{width}}  {text}" for name, text in ENVIRONMENT.items())
