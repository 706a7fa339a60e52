"""GBCS alert codes a device sends when it refuses a command, and the class of each alert.

Real codes (the reference parser's alert table, gbcs-facts §8; 0x8F30 seen in the RTDS as a
Generic Critical Alert from a GSME):

* ``0x8F30`` Source Does not have Authority for Command: the originator's role may not run the
  use case (e.g. the Network Operator or the ACB sending a Supplier-only reset, another supplier).
* ``0x8F3D`` Trusted Source Authentication Failure: the MAC or the signature does not verify
  (missing, corrupted, or made with a key that is not the authorised party's).

Our sources name no code for a replayed originator counter nor for a message code the device
does not support. Replay is an authentication failure of the command's freshness: the emulated
devices answer it with 0x8F3D, and the suites do not insist on a code there (they check that the
command is refused and changes nothing). An unsupported message code gets the one provisional
code below, outside the codes our sources name; 0x8F82/0x8F83/0x8F84 are real alerts
(battery capacity reset, disablement suspended, ESME delivery failure) and are never reused.

Class (the message code carrying the alert): codes of the 0x8F range are critical alerts sent as
*Generic Critical Alert* (message code 0x1000, signed, no MAC: the RTDS GCA 0x8F30); codes of the
0x81 range are non-critical (GBCS: "non-critical events/alerts use the Event / Alert code range
starting 0x81"), sent as *Generic Non Critical Alert* (0x1001, MAC-wrapped: the RTDS GNCA 0x810E),
whatever the payload family (GBZ or DLMS).

``ALERT_NAMES`` also names the codes decoded traffic carries (the reference parser's alert table
and DP093's Set Clock alert 0x81C6); a code table is a fact, the names are its words.
"""

from __future__ import annotations

GENERIC_CRITICAL_ALERT = 0x1000
GENERIC_NON_CRITICAL_ALERT = 0x1001

SOURCE_NOT_AUTHORISED = 0x8F30
AUTHENTICATION_FAILURE = 0x8F3D
#: PROVISIONAL (no code in our sources): a message code the device does not support.
UNSUPPORTED_COMMAND = 0x8FF0

ALERT_NAMES: dict[int, str] = {
    SOURCE_NOT_AUTHORISED: "Source Does not have Authority for Command",
    AUTHENTICATION_FAILURE: "Trusted Source Authentication Failure",
    UNSUPPORTED_COMMAND: "command not supported by this device (provisional code)",
    0x8F82: "Remaining Battery Capacity reset",
    0x8F83: "Disablement of Supply due to insufficient credit has been suspended",
    0x8F84: "Failure to Deliver Remote Party Message to ESME",
    # decoded traffic (reference parser's table, gbcs-facts 8; DP093)
    0x81C6: "Set Clock alert: clock not adjusted (outside tolerance) (DP093 / IRP511)",
    0x8F0C: "Clock not adjusted (adjustment greater than 10 seconds)",
    0x8F12: "CHF Device Log Changed",
    0x8071: "GPF Device Log Changed",
    0x81A7: "Debt Collection Completed - Time Debt 1",
    0x81A8: "Debt Collection Completed - Time Debt 2",
    0x81A9: "Debt Collection Completed - Payment Debt",
}
#: Codes we chose ourselves (not in our GBCS sources); never treated as a spec requirement.
PROVISIONAL_CODES = frozenset({UNSUPPORTED_COMMAND})


def is_critical(alert_code: int) -> bool:
    """Whether ``alert_code`` is a critical alert (0x8F range) rather than a non-critical one."""
    return (alert_code >> 8) == 0x8F


def message_code_for(alert_code: int) -> int:
    """The Generic (Non) Critical Alert message code that carries ``alert_code``."""
    return GENERIC_CRITICAL_ALERT if is_critical(alert_code) else GENERIC_NON_CRITICAL_ALERT


def alert_name(alert_code: int) -> str | None:
    """The name of ``alert_code`` for decoded traffic, or None when our sources name none."""
    return ALERT_NAMES.get(alert_code)


def describe(alert_code: int) -> str:
    name = ALERT_NAMES.get(alert_code)
    return f"0x{alert_code:04X}" + (f" {name}" if name else "")
