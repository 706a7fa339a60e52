"""Mutation fuzz of parse_message + decode over corrupted RTDS frames: whatever the bytes, only
DecodeError may escape, and whatever decodes renders (to_json and to_text) without an exception. Deterministic (fixed seeds); about 100,000 frames without keys plus a
keyed slice, and a hypothesis property on arbitrary bytes."""

from __future__ import annotations

import json
import random
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import DecodeError
from harness.gbcs.decode import decode
from harness.gbcs.frame import parse_message
from harness.gbcs.security.keystore import Keystore

DATA = Path(__file__).resolve().parents[1] / "data" / "rtds" / "RTDS-4.5.0"
KEYSTORE = Path(__file__).resolve().parents[2] / "harness" / "data" / "keystore"
LENGTH_VALUES = (0x00, 0x01, 0x09, 0x0C, 0x40, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0x8F, 0xFF)
SEEDS = (11, 22, 33, 44)
PER_SEED = 25_000  # 4 x 25,000 = 100,000 corrupted frames


def _corpus() -> list[bytes]:
    return [bytes.fromhex("".join(p.read_text().split())) for p in sorted(DATA.rglob("*.HEX"))]


CORPUS = _corpus()


def _bit_flips(rng: random.Random, data: bytearray) -> None:
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)


def _truncate(rng: random.Random, data: bytearray) -> None:
    del data[rng.randrange(len(data)):]


def _insert(rng: random.Random, data: bytearray) -> None:
    i = rng.randrange(len(data) + 1)
    data[i:i] = rng.randbytes(rng.randint(1, 8))


def _delete(rng: random.Random, data: bytearray) -> None:
    i = rng.randrange(len(data))
    del data[i : i + rng.randint(1, 8)]


def _length_byte(rng: random.Random, data: bytearray) -> None:
    # Header length fields sit in the first ~70 bytes; content lengths deeper: bias to the front.
    limit = min(len(data), 80) if rng.random() < 0.7 else len(data)
    data[rng.randrange(limit)] = rng.choice(LENGTH_VALUES)


def _overwrite(rng: random.Random, data: bytearray) -> None:
    i = rng.randrange(len(data))
    n = min(len(data) - i, rng.randint(1, 16))
    data[i : i + n] = rng.randbytes(n)


MUTATORS: tuple[Callable[[random.Random, bytearray], None], ...] = (
    _bit_flips, _truncate, _insert, _delete, _length_byte, _overwrite,
)


def mutations(seed: int, count: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    for _ in range(count):
        data = bytearray(rng.choice(CORPUS))
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            if not data:
                break
            rng.choice(MUTATORS)(rng, data)
        yield bytes(data)


def _run(frames: Iterator[bytes], keystore: Keystore | None) -> tuple[int, int, list[str]]:
    rejected = accepted = 0
    escapes: list[str] = []
    for data in frames:
        try:
            parse_message(data)
            decoded = decode(data, keystore)
            json.dumps(decoded.to_json(), default=str)  # rendering never crashes either
            assert isinstance(decoded.to_text(), str)
            accepted += 1
        except DecodeError as exc:
            assert exc.offset >= 0 and exc.field
            rejected += 1
        except Exception:  # noqa: BLE001 - the point of the test: report what escaped
            if len(escapes) < 5:
                escapes.append(f"{data.hex()}\n{traceback.format_exc()}")
    return rejected, accepted, escapes


@pytest.mark.parametrize("seed", SEEDS)
def test_only_decode_errors_escape(seed: int) -> None:
    rejected, accepted, escapes = _run(mutations(seed, PER_SEED), None)
    assert escapes == []
    assert rejected + accepted == PER_SEED
    assert rejected > PER_SEED // 3  # the mutations really do break frames ...
    assert accepted > PER_SEED // 20  # ... and some survive framing to exercise payload decoding


def test_keyed_slice_only_decode_errors_escape() -> None:
    keystore = Keystore.from_folder(KEYSTORE)
    rejected, accepted, escapes = _run(mutations(99, 4_000), keystore)
    assert escapes == []
    assert rejected and accepted


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.binary(max_size=300),
    st.binary(max_size=300).map(lambda b: b"\xdd\x00\x00\x00\x00\x00\x00" + b),
    st.binary(max_size=300).map(lambda b: b"\xdf\x09" + b),
))
def test_arbitrary_bytes_raise_only_decode_error(data: bytes) -> None:
    try:
        decoded = decode(data)
    except DecodeError as exc:
        assert 0 <= exc.offset <= len(data) + 3 and exc.field
        return
    assert decoded.roundtrip == (decoded.message.to_bytes() == data)
    assert isinstance(decoded.to_text(), str) and json.dumps(decoded.to_json(), default=str)
