"""The ``harness`` console script: a thin dispatcher; each subcommand lives in
``harness/commands/<name>.py`` and exposes ``register(subparsers)`` which sets ``func``."""

from __future__ import annotations

import argparse
import importlib
import sys

from harness import __version__, pycache_dir
from harness.errors import HarnessError, ProfileError

SUBCOMMANDS = ("decode", "emulate", "send", "faults", "run", "cycles", "report", "devices")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; when ``argv`` names a subcommand first, only that command's module is imported
    (``harness decode`` does not pay for the imports of ``harness run``)."""
    parser = argparse.ArgumentParser(prog="harness", description="GBCS compliance harness")
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    chosen = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    for name in (chosen,) if chosen else SUBCOMMANDS:
        try:
            module = importlib.import_module(f"harness.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"harness.commands.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.dont_write_bytecode and sys.pycache_prefix is None:
        # The console script under PYTHONDONTWRITEBYTECODE: cache byte code outside the tree
        # (as harness run does for its benches) instead of recompiling every import each time.
        sys.pycache_prefix = pycache_dir()
        sys.dont_write_bytecode = False
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ProfileError as exc:  # one line that starts with file:line, as editors and CI logs link it
        print(str(exc).splitlines()[0] if str(exc) else "profile error", file=sys.stderr)
        return 2
    except HarnessError as exc:
        print(f"harness {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into a pager or `head` that closed early
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
