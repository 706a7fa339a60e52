"""``harness emulate``: run the emulated bench behind a pseudo-terminal or a TCP port until
SIGTERM/SIGINT. Prints ``PTY /dev/pts/N`` or ``TCP host:port`` (flushed) once clients may connect."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from harness.commands.common import add_env_option, plain
from harness.errors import ProfileError


def register(sub: Any) -> None:
    p = sub.add_parser("emulate", help="run the emulated devices behind a pty or TCP port",
                       description=plain(__doc__))
    add_env_option(p, "--profile", env="HARNESS_BENCH", default="default", metavar="PATH",
                   help="bench profile YAML, or 'default'")
    p.add_argument("--serial", choices=["pty"], help="serve on a new pseudo-terminal")
    p.add_argument("--tcp", metavar="HOST:PORT",
                   help="serve on a TCP socket (port 0 = any); with --serial too, the same devices on both "
                        "(e.g. a CH test port on the pty and its HAN side for a ZigBee relay on TCP)")
    p.add_argument("--state", metavar="DIR", help="folder for persistent device state (replay counters)")
    p.add_argument("--no-control", action="store_true",
                   help="behave like real hardware: refuse CONTROL frames, run device clocks on wall-clock "
                        "time, let the GSME wake and push on its own at its wake interval")
    p.add_argument("--switches", metavar="HOST:PORT",
                   help="also serve the bench's switches beside the data line (port 0 = any): a network power "
                        "switch in labgrid's simplerest shape, outlet 1 the ESME's supply, 2 the GSME's, 3 the "
                        "HAN relay of the GSME's RF-shield box; prints 'SWITCHES <url template>'")
    p.add_argument("--wake-interval", type=float, metavar="SECONDS",
                   help="the GSME's wake interval (overrides the profile; with --no-control a few seconds "
                        "keeps a hardware-like run short)")
    p.set_defaults(func=run)


def load_host_config(profile: str, state_dir: str | None = None) -> Any:
    """A HostConfig from ``default`` or a bench profile path (validated by the profile loader)."""
    from harness.emulators.config import HostConfig

    if profile == "default":
        config = HostConfig.default()
    else:
        config = _from_profile(Path(profile))
    if state_dir:
        config.state_dir = state_dir
    return config


def _from_profile(path: Path) -> Any:
    """The emulated devices of the bench profile at ``path`` (validated by the profile loader)."""
    from harness.emulators.config import HostConfig
    from harness.profiles import load_bench

    bench = load_bench(path)
    try:
        return HostConfig.from_profile(bench)
    except (ValueError, TypeError) as exc:
        raise ProfileError(str(exc), file=str(path), field="emulator") from None


def _device_keys(profile: str) -> Any:
    """The emulated devices' keystore when the profile's devices name their own key folders (a
    self-test's fresh TEST-ONLY keys), as the in-process bench uses; None: the committed keys."""
    if profile == "default":
        return None
    from harness.emulators.connection import emulator_keys
    from harness.profiles import load_bench

    return emulator_keys(load_bench(Path(profile)))


def run(args: argparse.Namespace) -> int:
    from harness.emulators.host import EmulatorHost
    from harness.transport.server import serve_pty, serve_tcp

    try:
        config = load_host_config(args.profile, args.state)
    except ValueError as exc:
        raise ProfileError(str(exc), file=args.profile, field="emulator") from None
    stop = threading.Event()
    gsme = config.device("GSME")
    if gsme is not None and args.wake_interval is not None:
        gsme.wake_interval_s = args.wake_interval
    handler: Any
    if args.no_control:
        from harness.emulators.wallclock import NoControlHost, wall_clock_config

        handler = NoControlHost(EmulatorHost(wall_clock_config(config), keystore=_device_keys(args.profile)))
        handler.start(stop)
        if gsme is not None:
            sys.stderr.write(f"no control channel; wall-clock time; GSME wakes every {gsme.wake_interval_s:g} s\n")
    else:
        handler = EmulatorHost(config, keystore=_device_keys(args.profile))

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    def ready(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    if not args.serial and not args.tcp:
        raise ProfileError("give --serial pty and/or --tcp HOST:PORT", file="<command line>", field="--serial")
    if args.switches:
        from harness.emulators.switches import PREFIX, serve_switches

        address, port = _host_port(args.switches, "--switches")
        serve_switches(handler, address, port, stop, lambda url: ready(PREFIX + url))
    if args.tcp:
        host_name, tcp_port = _host_port(args.tcp, "--tcp")
        if not args.serial:
            serve_tcp(handler, host_name, tcp_port, stop, lambda addr: ready(f"TCP {addr[0]}:{addr[1]}"))
            return 0
        listening = threading.Event()

        def on_tcp(addr: tuple[str, int]) -> None:
            ready(f"TCP {addr[0]}:{addr[1]}")
            listening.set()

        threading.Thread(target=serve_tcp, args=(handler, host_name, tcp_port, stop, on_tcp),
                         name="serve tcp", daemon=True).start()
        listening.wait(10)
    serve_pty(handler, stop, lambda path: ready(f"PTY {path}"))
    return 0


def _host_port(text: str, option: str) -> tuple[str, int]:
    host_name, _, port = text.rpartition(":")
    if not host_name or not port.isdigit():
        raise ProfileError(f"{option} wants HOST:PORT, got {text!r}", file="<command line>", field=option)
    return host_name, int(port)
