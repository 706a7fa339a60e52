"""The ``harness`` console script (also ``python -m harness``): a thin dispatcher; each
subcommand lives in ``harness/commands/<name>.py`` and exposes ``register(subparsers)`` which
sets ``func``. Import-light: a subcommand imports what it needs when it runs."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn

from harness import __version__, pycache_dir
from harness.commands.common import environment_epilog
from harness.errors import HarnessError, ProfileError

SUBCOMMANDS = ("decode", "emulate", "send", "faults", "run", "cycles", "report", "devices")


class ArgumentParser(argparse.ArgumentParser):
    """Usage errors in one line (``harness send: error: ... (see harness send --help)``), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; when ``argv`` names a subcommand first, only that command's module is imported
    (``harness decode`` does not pay for the imports of ``harness run``)."""
    parser = ArgumentParser(prog="harness", description="GBCS compliance harness",
                            epilog=environment_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
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
