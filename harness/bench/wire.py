"""The GBCS side of a device handle: build a command (catalogue + use-case builders), sign it
when critical, MAC it; check a reply (MAC, signature, decrypt, read values). No I/O here.

The catalogue is the bench profile's (:func:`catalogue_for`): provisional message codes (the
SECMP0002 resets) overridden where the profile's emulator configuration overrides them, so the
client and the emulator agree."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.bench import identity
from harness.bench.api import Response, Verdict
from harness.errors import DecodeError, EncodeError, ProfileError, SecurityError
from harness.gbcs.frame import Cra, GbcsMessage, OtherInformation
from harness.gbcs.security import (
    Keystore,
    apply_mac,
    sign_message,
)

if TYPE_CHECKING:
    from harness.gbcs.catalogue import Catalogue
    from harness.profiles.model import BenchProfile

#: ``foreign_signature``: signed with another remote party's DS key (the Network Operator's for a
#: Supplier command, else the Supplier's), so the signature is valid but not the originator's.
#: ``no_mac``: sent without its MAC (a General-Signing message with no General-Ciphering wrapper).
TAMPER_MODES = ("unsigned", "bad_signature", "bad_mac", "foreign_signature", "no_mac")
#: ``second_supplier``: a supplier with keys in the keystore that is not the bench's supplier.
REMOTE_PARTIES = ("supplier", "network_operator", "acb", "second_supplier")


@dataclass(frozen=True)
class RemotePartyIds:
    """Who the bench speaks as (EUIs) and the keystore holding their private keys."""

    keystore: Keystore
    supplier: bytes
    network_operator: bytes
    acb: bytes

    def eui(self, originator: str) -> bytes:
        if originator not in REMOTE_PARTIES:
            raise EncodeError(f"originator {originator!r} is none of {', '.join(REMOTE_PARTIES)}")
        if originator == "second_supplier":
            others = [e for e in self.keystore.euis_with_role("Supplier")
                      if e != self.supplier and self.keystore.ds_private(e) is not None]
            if not others:
                raise EncodeError("the keystore holds no second supplier with private keys")
            return others[0]
        return getattr(self, originator)  # type: ignore[no-any-return]


def use_case_entry(use_case: str, catalogue: Catalogue | None = None) -> Any:
    """The catalogue entry of ``use_case`` (the default catalogue unless one is given)."""
    if catalogue is None:
        from harness.gbcs.catalogue import CATALOGUE

        catalogue = CATALOGUE
    return catalogue.by_id(use_case)


def message_code_overrides(profile: BenchProfile) -> dict[str, int]:
    """Message-code overrides of a bench profile, as its emulator gets them: every device's
    ``emulator.message_codes`` (through ``profile.host_config_dict()``). Disagreeing codes for one
    use case are a ProfileError."""
    where = str(identity.profile_path(profile) or profile.name or "<inline>")
    found: dict[str, tuple[int, str]] = {}

    def add(codes: Any, source: str) -> None:
        if not codes:
            return
        if not isinstance(codes, dict):
            raise ProfileError("message_codes must map use case ids to message codes", file=where, field=source)
        for uid, value in codes.items():
            try:
                code = value if isinstance(value, int) else int(str(value), 0)
            except ValueError:
                raise ProfileError(f"{uid} message code {value!r} is not a number", file=where,
                                   field=source) from None
            prev = found.setdefault(str(uid), (code, source))
            if prev[0] != code:
                raise ProfileError(f"{uid}: message code 0x{prev[0]:04X} ({prev[1]}) and 0x{code:04X} ({source}) "
                                   "disagree", file=where, field=source)

    for i, dev in enumerate(profile.host_config_dict().get("devices") or []):
        add(dev.get("message_codes"), f"devices[{i}].emulator.message_codes")
    return {uid: code for uid, (code, _src) in found.items()}


def catalogue_for(profile: Any) -> Catalogue:
    """The catalogue a bench's client uses: the default one with the profile's overrides."""
    overrides = message_code_overrides(profile)
    try:
        return _catalogue(tuple(sorted(overrides.items())))
    except (EncodeError, ValueError) as exc:
        raise ProfileError(f"message code overrides: {exc}", file=str(identity.profile_path(profile) or "<inline>"),
                           field="message_codes") from None


@functools.lru_cache(maxsize=32)
def _catalogue(overrides: tuple[tuple[str, int], ...]) -> Catalogue:
    from harness.gbcs.catalogue import CATALOGUE, Catalogue

    return Catalogue.load(dict(overrides)) if overrides else CATALOGUE


def _verdict(value: str | None) -> Verdict:
    return Verdict.ABSENT if value is None else Verdict(value)


def _flip(data: bytes) -> bytes:
    return data[:-1] + bytes((data[-1] ^ 0x01,))


def build_command(use_case: str, *, parties: RemotePartyIds, originator: str, recipient: bytes,
                  counter: int, tamper: str | None = None, params: dict[str, Any],
                  catalogue: Catalogue | None = None) -> GbcsMessage:
    """The command message, signed when the use case is critical and MAC-wrapped by the ACB.
    Its message code comes from ``catalogue`` (default: the packaged one)."""
    from harness.gbcs.usecases import build_command_content

    if tamper is not None and tamper not in TAMPER_MODES:
        raise EncodeError(f"tamper {tamper!r} is none of {', '.join(TAMPER_MODES)}")
    entry = use_case_entry(use_case, catalogue)
    sender = parties.eui(originator)
    content = build_command_content(use_case, originator=sender, recipient=recipient, counter=counter, **params)
    msg = GbcsMessage(Cra.COMMAND, counter, sender, recipient, OtherInformation(int(entry.message_code)),
                      bytes(content), None, b"")
    if entry.critical and tamper == "foreign_signature":
        other = parties.network_operator if sender != parties.network_operator else parties.supplier
        private = parties.keystore.ds_private(other)
        if private is None:
            raise EncodeError(f"no DS private key of {other.hex().upper()} to sign with")
        msg = sign_message(msg, private)
    elif entry.critical and tamper != "unsigned":
        msg = sign_message(msg, parties.keystore)
        if tamper == "bad_signature":
            assert msg.signature is not None
            msg = msg.with_signature(_flip(msg.signature))
    if tamper == "no_mac":
        if not msg.signature:
            raise EncodeError(f"{use_case} is not critical: without a MAC it is no GBCS message at all")
        return msg
    msg = apply_mac(msg, parties.keystore, parties.acb)
    if tamper == "bad_mac":
        assert msg.mac is not None
        msg = msg.with_mac(_flip(msg.mac))
    return msg


def command_request(use_case: str, command: GbcsMessage | None) -> dict[str, Any] | None:
    """What a debt command asked for (:func:`harness.gbcs.usecases.parse_command`), so its
    response's per-item statuses are named by register; None for other use cases.

    This parses the command the bench built (not the reply: that is parsed once, in
    :func:`check_response`). It is left a parse on purpose: the builders return content bytes
    (``build_command_content``, shared with the emulators and the tests), and the request is
    what those bytes say, whatever tamper mode then signs or MACs them; carrying it instead
    would mean each debt builder describing its command a second time beside its encoding, and
    the description travelling with the message through ``SentCommand`` to the check. Only the
    four debt use cases pay for it: one parse of a short plaintext command, no decryption."""
    from harness.gbcs.usecases import DEBT_USE_CASES, parse_command

    if command is None or use_case not in DEBT_USE_CASES:
        return None
    try:
        return parse_command(use_case, command.content)
    except DecodeError:
        return None


def check_response(use_case: str, reply: GbcsMessage, raw: bytes, keystore: Keystore,
                   command: GbcsMessage | None = None) -> tuple[Response, dict[str, Any]]:
    """Verify, decrypt and read a response: the :class:`Response` and its decoded tree. With
    the ``command`` answered, debt use cases' statuses are keyed by the register of each item
    (see :func:`harness.gbcs.usecases.read_response`); the ordered per-item results go into the
    tree as ``item_results``.

    The content is parsed and decrypted once, by :func:`harness.gbcs.decode.decode`: the tree
    is its node's description and the values are read from the same node (``node=``). Where
    that node is not one the use case's reader takes (the payload did not decode, or is of
    another family or form), ``read_response`` parses the content itself, with the cipher
    ``decode`` made, and fails or reads as it would on its own."""
    from harness.gbcs.decode import decode
    from harness.gbcs.usecases import read_response

    decoded = decode(raw, keystore, strict=False, message=reply)
    mac = _verdict(decoded.mac)
    signature = _verdict(decoded.signature)
    tree = decoded.to_json()
    try:
        reading = read_response(use_case, reply.content, decoded.cipher, request=command_request(use_case, command),
                                node=decoded.payload_node)
        values, statuses, success = reading.values, reading.statuses, reading.success
        if reading.items:
            tree["item_results"] = [r.to_dict() for r in reading.items]
    except SecurityError as exc:
        tree["decryption"] = f"failed: {exc}"
        values, statuses, success = {}, {}, False
    payload_tree = tree.get("payload") if isinstance(tree.get("payload"), dict) else {}
    response = Response(reply, raw, use_case, mac, signature, dict(values), dict(statuses), bool(success),
                        payload_tree or {})
    return response, tree


def describe_message(raw: bytes, message: GbcsMessage | None = None) -> dict[str, Any]:
    """A decoded tree of any message (no verification), for the exchange record; ``message``:
    ``raw`` already parsed (or the message ``raw`` was encoded from), so it is not parsed again."""
    from harness.gbcs.decode import decode

    try:
        return decode(raw, None, strict=False, message=message).to_json()
    except Exception as exc:  # noqa: BLE001 - a record must never break a test
        return {"error": f"{type(exc).__name__}: {exc}"}
