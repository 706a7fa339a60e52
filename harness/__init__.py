"""GBCS firmware-in-loop compliance harness."""

import os as _os

__version__ = "0.1.0"


def pycache_dir() -> str:
    """Where harness processes cache byte code when PYTHONDONTWRITEBYTECODE keeps it out of the
    source tree: without any cache every process recompiles every module it imports (about
    0.5 s for ``harness decode``, about 2 s for a bench's pytest session)."""
    tmp = _os.environ.get("TMPDIR") or "/tmp"
    return _os.path.join(tmp, f"harness-pycache-{_os.getuid()}")
