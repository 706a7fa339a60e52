"""``harness decode``: decode GBCS messages from files, --hex arguments or stdin.

Files and stdin alike hold hex or base64 text (whitespace tolerated), one message per line or
one message in all; a file may also hold the raw bytes of one message; a directory means every
file under it. ``--keys DIR`` verifies MACs and signatures and decrypts; ``--keys default`` (or
``emulated``) is the packaged test keystore: the RTDS remote parties plus the public keys of the
emulated devices, so what the emulated bench sends verifies; ``--keys rtds`` is the RTDS keys
alone. A bad input prints one line on stderr (source, byte offset, field, reason); the others go
on and the exit status is 2 at the end.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from harness.commands.common import add_env_option, plain
from harness.errors import DecodeError, KeystoreError

if TYPE_CHECKING:
    from harness.gbcs.security.keystore import Keystore

_WHITESPACE = re.compile(r"\s+")
_HEX = re.compile(r"[0-9A-Fa-f]*")
_NOT_HEX = re.compile(r"[^0-9A-Fa-f]")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_HEX_ISH = re.compile(r"[0-9A-Fa-f]*[^0-9A-Fa-f]{1,2}[0-9A-Fa-f]*")  # hex with a typo or two
_MESSAGE_TAGS = (b"\xdd", b"\xdf")  # general-ciphering / general-signing: how a message starts


class InputError(Exception):
    """Input that is not hex/base64 text; names the field and offset like DecodeError."""

    def __init__(self, message: str, offset: int, field: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.field = field


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("decode", help="decode GBCS messages (hex/base64 files, --hex, stdin)",
                              description=plain(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*", metavar="FILE", help="hex/base64/binary files or folders of them")
    p.add_argument("--hex", action="append", default=[], metavar="HEX", help="a message as hex (repeatable)")
    add_env_option(p, "--keys", env="HARNESS_KEYS", metavar="DIR",
                   help="keystore folder to verify MACs/signatures and decrypt; 'default' or 'emulated' = "
                        "packaged RTDS remote parties + emulated devices, 'rtds' = RTDS keys only")
    p.add_argument("--json", action="store_true", help="print JSON Lines instead of text")
    p.set_defaults(func=run)


def text_to_bytes(text: str, *, allow_base64: bool = False) -> bytes:
    """Hex text (any whitespace) -> bytes; base64 too when allowed. Raises InputError."""
    compact = _WHITESPACE.sub("", text)
    if not compact:
        raise InputError("no message bytes", 0, "hex text")
    if _HEX.fullmatch(compact):
        if len(compact) % 2:
            raise InputError(f"odd number of hex digits ({len(compact)})", len(compact) // 2, "hex text")
        return bytes.fromhex(compact)
    if allow_base64 and _BASE64.fullmatch(compact):
        try:
            raw = base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if raw[:1] in _MESSAGE_TAGS:
            return raw
        if not _HEX_ISH.fullmatch(compact):  # clearly meant as base64: say so
            raise InputError("neither hex nor base64 of a GBCS message", 0, "base64 text")
    bad = _NOT_HEX.search(compact)
    pos = bad.start() if bad else 0
    raise InputError(f"non-hex character {compact[pos]!r}", pos // 2, "hex text")


def _file_sources(paths: list[str]) -> Iterator[tuple[str, bytes | InputError]]:
    for given in paths:
        path = Path(given)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            name = str(file) if path.is_dir() else given
            try:
                raw = file.read_bytes()
            except OSError as exc:
                yield name, InputError(f"cannot read: {exc.strerror}", 0, "file")
                continue
            if raw[:1] in _MESSAGE_TAGS:
                yield name, raw  # binary message
                continue
            try:
                text = raw.decode("ascii")
            except UnicodeDecodeError as exc:
                yield name, InputError("neither hex/base64 text nor a binary GBCS message", exc.start, "file")
                continue
            yield from _text_sources(name, text)


def _stdin_sources(stream: TextIO) -> Iterator[tuple[str, bytes | InputError]]:
    return _text_sources("<stdin>", stream.read())


def _text_sources(name: str, text: str) -> Iterator[tuple[str, bytes | InputError]]:
    """Hex or base64 text: one message per line (``name:line``) when the first line is a whole
    message on its own, else one message in all."""
    lines = [(i, line) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if len(lines) > 1 and _line_is_message(lines[0][1]):
        for number, line in lines:
            try:
                yield f"{name}:{number}", text_to_bytes(line, allow_base64=True)
            except InputError as exc:
                yield f"{name}:{number}", exc
        return
    try:
        yield name, text_to_bytes(text, allow_base64=True)
    except InputError as exc:
        yield name, exc


def _line_is_message(line: str) -> bool:
    """Whether one line on its own is a whole message (then every line is one)."""
    from harness.gbcs.frame import parse_message

    try:
        parse_message(text_to_bytes(line, allow_base64=True))
    except (InputError, DecodeError):
        return False
    return True


def _keystore(spec: str | None) -> Keystore | None:
    from harness.gbcs.security.keystore import Keystore

    if spec is None:
        return None
    if spec in ("default", "emulated"):
        return Keystore.packaged_with_emulators()
    if spec == "rtds":
        return Keystore.packaged()
    return Keystore.from_folder(spec)


def run(args: argparse.Namespace, *, stdin: TextIO | None = None, stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        keystore = _keystore(args.keys)
    except KeystoreError as exc:
        print(f"harness decode: {exc}", file=err)
        return 2
    sources: list[Iterator[tuple[str, bytes | InputError]]] = [_file_sources(args.files)]
    sources.append(iter([(f"--hex[{i}]", _hex_arg(h)) for i, h in enumerate(args.hex, start=1)]))
    if not args.files and not args.hex:
        sources.append(_stdin_sources(stdin or sys.stdin))
    try:
        failed = _decode_all(sources, keystore, args.json, out, err)
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return 0
    return 2 if failed else 0


def _decode_all(sources: list[Iterator[tuple[str, bytes | InputError]]], keystore: Keystore | None,
                as_json: bool, out: TextIO, err: TextIO) -> int:
    failed = 0
    first = True
    for source in sources:
        for name, item in source:
            if isinstance(item, InputError):
                print(f"{name}: byte {item.offset}: {item.field}: {item}", file=err)
                failed += 1
                continue
            from harness.gbcs.decode import decode

            try:
                decoded = decode(item, keystore, file=name)
            except DecodeError as exc:
                print(f"{name}: byte {exc.offset}: {exc.field}: {exc.reason}", file=err)
                failed += 1
                continue
            try:
                text = json.dumps(decoded.to_json(), separators=(", ", ": ")) if as_json else decoded.to_text()
            except Exception as exc:  # noqa: BLE001 - a rendering bug must not drop the later inputs
                print(f"{name}: decoded, but cannot be rendered ({type(exc).__name__}: {exc}): a harness bug",
                      file=err)
                failed += 1
                continue
            out.write(text + "\n" if as_json else ("" if first else "\n") + text + "\n")
            first = False
    return failed


def _hex_arg(text: str) -> bytes | InputError:
    try:
        return text_to_bytes(text)
    except InputError as exc:
        return exc
