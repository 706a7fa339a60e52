"""Names of alert codes (the codes inside alert payloads, not message codes), for decoded traffic.
From the alert-code table of the reference parser (gbcs-facts 8) and DP093; a code table is a fact,
the names are its words."""

from __future__ import annotations

ALERT_NAMES: dict[int, str] = {
    0x81C6: "Set Clock alert: clock not adjusted (outside tolerance) (DP093 / IRP511)",
    0x8F0C: "Clock not adjusted (adjustment greater than 10 seconds)",
    0x8F12: "CHF Device Log Changed",
    0x8071: "GPF Device Log Changed",
    0x81A7: "Debt Collection Completed - Time Debt 1",
    0x81A8: "Debt Collection Completed - Time Debt 2",
    0x81A9: "Debt Collection Completed - Payment Debt",
}


def alert_name(code: int) -> str | None:
    return ALERT_NAMES.get(code)
