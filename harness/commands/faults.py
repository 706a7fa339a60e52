"""``harness faults``: every emulator fault variant, one line each."""

from __future__ import annotations

import argparse
from typing import Any

from harness.commands.common import plain


def register(sub: Any) -> None:
    p = sub.add_parser("faults", help="list the emulator fault variants", description=plain(__doc__))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from harness.faults import FAULTS

    width = max(len(name) for name in FAULTS)
    for fault in FAULTS.values():
        print(f"{fault.name:<{width}}  {fault.role:<5}  {fault.description}  [{', '.join(fault.breaks)}]")
    return 0
