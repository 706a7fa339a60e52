"""``python -m harness.profiles FILE...``: check profiles; one line per broken file, exit 1 if any."""

from __future__ import annotations

import sys

from harness.errors import ProfileError
from harness.profiles.loader import load_any


def main(argv: list[str] | None = None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    bad = 0
    for path in paths:
        try:
            profile = load_any(path)
        except ProfileError as exc:
            print(exc, file=sys.stderr)
            bad += 1
        else:
            print(f"{path}: ok ({type(profile).__name__} '{profile.name}')")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
