"""``harness send``: send one command through the bench client and print the decoded response
(manual triage).

``harness send [--port URL] [--bench PROFILE] [--to ROLE|EUI] USE_CASE [key=value ...]``; without
``--port`` the bench's own connection is used (the emulated default bench in this process). An
unknown use case or a malformed parameter is one line on stderr and exit status 2, before any
port is opened.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from harness.commands.common import add_env_option, plain
from harness.errors import EncodeError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("send", help="send one use case to a device and print the response",
                              description=plain(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_env_option(p, "--port", env="HARNESS_PORT", metavar="URL",
                   help="serial path/pyserial URL or tcp://host:port of the bench")
    add_env_option(p, "--bench", env="HARNESS_BENCH", metavar="PROFILE",
                   help="bench profile (devices, keys; default: the emulated default)")
    p.add_argument("--to", metavar="ROLE|EUI", help="target device (default: the use case's target role)")
    p.add_argument("--originator", default="supplier", choices=("supplier", "network_operator", "acb"),
                   help="remote party that sends the command (default supplier)")
    p.add_argument("--json", action="store_true", help="print the exchange as JSON")
    p.add_argument("use_case", metavar="USE_CASE", help="use case id from the catalogue, e.g. GCS60")
    p.add_argument("params", nargs="*", metavar="key=value", help="use-case parameters")
    p.set_defaults(func=run)


def parse_params(items: list[str]) -> dict[str, Any]:
    """``key=value`` pairs; integers (decimal or 0x), true/false, else text."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise EncodeError(f"parameter {item!r} is not key=value")
        value: Any = text
        low = text.lower()
        if low in ("true", "false"):
            value = low == "true"
        else:
            try:
                value = int(text, 0)
            except ValueError:
                value = text
        out[key] = value
    return out


def check_use_case(use_case: str) -> None:
    """EncodeError (one line, with the nearest ids) for a use case the catalogue lacks."""
    import difflib

    from harness.gbcs.catalogue import CATALOGUE

    if use_case in CATALOGUE:
        return
    ids = [uc.id for uc in CATALOGUE]
    near = difflib.get_close_matches(use_case, ids, n=3) or \
        [i for i in ids if i.upper().startswith(use_case.upper()[:3])][:3]
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise EncodeError(f"unknown use case {use_case!r} ({len(ids)} in the catalogue{hint})")


def open_bench(port: str | None, bench_path: str | None) -> Any:
    from harness.bench.bench import Bench
    from harness.profiles import default_bench_path, load_bench
    from harness.transport import transport_for

    path = bench_path or str(default_bench_path())
    profile = load_bench(path)
    if port is None:
        return Bench.from_profile(profile, path=path)
    return Bench(profile, transport_for(port), path=path, emulated=False)


def pick_handle(bench: Any, target: str | None, use_case: str) -> Any:
    from harness.bench import identity
    from harness.bench.device import handle_for
    from harness.bench.wire import use_case_entry

    if target is None:
        target = str(use_case_entry(use_case).target)
    handle = bench.handle(target)
    if handle is not None:
        return handle
    try:
        eui = identity.eui_bytes(target)
    except ValueError:
        eui = b""
    if len(eui) != 8:
        raise EncodeError(f"--to {target!r} is neither a role on bench '{bench.name}' nor a 16-hex-digit EUI")
    for dev in identity.devices(bench.profile):
        if identity.eui_bytes(dev.eui) == eui:
            return bench.handle(identity.role_name(dev))
    role = str(use_case_entry(use_case).target)
    return handle_for(bench, {"role": role, "eui": eui.hex(), "name": f"{role} {eui.hex().upper()}"})


def exchange_json(exchange: Any) -> dict[str, Any]:
    r = exchange.response
    out: dict[str, Any] = {"use_case": exchange.use_case, "command": exchange.command_raw.hex().upper(),
                           "error": exchange.error}
    if r is not None:
        out.update({"response": r.raw.hex().upper(), "mac": r.mac.value, "signature": r.signature.value,
                    "date_time": r.date_time.to_json() if r.date_time else None, "success": r.success,
                    "values": r.values, "statuses": r.statuses, "payload": r.tree})
    return out


def run(args: argparse.Namespace) -> int:
    from harness.gbcs.decode import decode

    params = parse_params(args.params)
    check_use_case(args.use_case)
    bench = open_bench(args.port, args.bench)
    try:
        handle = pick_handle(bench, args.to, args.use_case)
        exchange = handle.send(args.use_case, originator=args.originator, **params)
        if args.json:
            print(json.dumps(exchange_json(exchange), default=str, indent=2))
        elif exchange.response is None:
            print(f"{args.use_case} to {handle.role.value}: {exchange.error}", file=sys.stderr)
        else:
            r = exchange.response
            print(decode(r.raw, bench.parties.keystore, strict=False).to_text())
            print(f"  values: {json.dumps(r.values, default=str)}")
            print(f"  success: {r.success}" + (f"; statuses {r.statuses}" if r.statuses else ""))
        return 0 if exchange.response is not None and exchange.response.success else 1
    finally:
        bench.close()
