"""Any bytes: decode_payload returns a tree that re-encodes to the input, or raises DecodeError."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import DecodeError
from harness.gbcs.payload import decode_payload

PREFIXES = [b"", b"\x01\x09", b"\x01\x09\x01", b"\xd9\x20\x00\x00\x01\x00", b"\xda\x20\x00\x00\x01\x00\x00",
            b"\x0f\x20\x00\x00\x01\x00", b"\x30", b"\x02", b"\x04", b"\x05"]


class _BrokenCipher:
    def encrypt(self, plaintext: bytes) -> bytes:
        raise RuntimeError("no")

    def decrypt(self, data: bytes) -> bytes:
        raise ValueError("broken cipher")


def _check(content: bytes, cipher: object = None) -> None:
    try:
        p = decode_payload(content, cipher=cipher)  # type: ignore[arg-type]
    except DecodeError as exc:
        assert 0 <= exc.offset <= len(content)
        assert exc.field
        return
    assert p.encode() == content
    json.dumps(p.to_json())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PREFIXES), st.binary(max_size=80))
def test_arbitrary_bytes(prefix: bytes, tail: bytes) -> None:
    _check(prefix + tail)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=60))
def test_arbitrary_bytes_with_failing_cipher(tail: bytes) -> None:
    # an encrypted GBZ component and a protected DLMS result shape, then noise
    _check(bytes.fromhex("01090103070200190000180001") + b"\x00\x12\x31\x00\x00\x00\x00" + bytes(13) + tail,
           _BrokenCipher())
    _check(bytes.fromhex("da2000000100000102020100091131000000") + bytes(12) + tail, _BrokenCipher())


def test_failing_cipher_recorded_not_raised() -> None:
    content = bytes.fromhex("01090103070200190000180001") + b"\x00\x12\x31\x00\x00\x00\x00" + bytes(13)
    tree = decode_payload(content, cipher=_BrokenCipher()).to_json()  # type: ignore[arg-type]
    comp = tree["components"][0]
    assert comp["decrypted"] is False and "broken cipher" in comp["decrypt_error"]


@pytest.mark.parametrize("content", [
    b"\xd9\x20\x00\x00\x01\x00\x00\x01" + b"\x02\x01" * 5000 + b"\x00",  # deep nesting
    b"\x0f\x20\x00\x00\x01\x00" + b"\x01\x01" * 5000,
    b"\x30\x80" * 10,
])
def test_deep_nesting_is_bounded(content: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_payload(content)


def test_deep_der_beyond_limit_keeps_bytes() -> None:
    content = b"\x05\x00"
    for _ in range(100):  # 100 nested SEQUENCEs: deeper than the walk descends
        content = b"\x30" + bytes((len(content),)) + content if len(content) < 128 else \
            b"\x30\x81" + bytes((len(content),)) + content
    p = decode_payload(content)
    assert p.encode() == content


@pytest.mark.parametrize("content", [
    b"\xd9\x20\x00\x00\x01\x00\x83\xff\xff\xff",  # 16M request specs declared
    b"\x0f\x20\x00\x00\x01\x00\x01\x83\xff\xff\xff\x00",  # 16M array elements declared
    b"\xda\x20\x00\x00\x01\x00\x00\x00\x83\xff\xff\xff",  # 16M results declared
    b"\x01\x09\xff\x00\x07\x02\xff\xff",  # 255 components, huge length
])
def test_huge_declared_counts_fail_fast(content: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        decode_payload(content)
    assert info.value.offset <= len(content)
