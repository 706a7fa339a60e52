"""Named fault variants: deliberate non-compliances an emulated device can be switched into, so
the harness can prove its suites catch them. Each changes observable behaviour (see
tests/emulators/test_faults.py and docs/EMULATORS.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    role: str  # CHF, GPF, GSME, ESME, meter (GSME or ESME) or any
    description: str
    breaks: tuple[str, ...]  # requirement ids the fault should make a suite fail

    def applies_to(self, role: str) -> bool:
        if self.role == "any":
            return True
        if self.role == "meter":
            return role in ("GSME", "ESME")
        if self.role == "CHF":  # the hub's CHF side (device checks pass a CHF as "GPF")
            return role in ("CHF", "GPF")
        return self.role == role


_F = Fault
FAULTS: dict[str, Fault] = {f.name: f for f in (
    _F("gpf_own_time_despite_snapshot", "GPF",
       "GPF puts the CH time (bit 2 clear) in responses even when it holds a valid snapshot time",
       ("SECMP0015-FR4",)),
    _F("bit2_never_set", "GPF",
       "GPF uses the mirrored snapshot time but never sets clock-status bit 2",
       ("SECMP0015-FR4",)),
    _F("bit2_set_on_gpf_time", "GPF",
       "GPF sets clock-status bit 2 when it falls back to its own CH time",
       ("SECMP0015-FR4", "SECMP0015-CR1")),
    _F("reliability_bit_wrong", "GPF",
       "GPF inverts the reliable/unreliable bit (bit 1) of the date-time it sends",
       ("SECMP0015-FR4", "SECMP0015-FR5")),
    _F("snapshot_not_updated", "GPF",
       "GPF keeps the first snapshot time it received while values keep updating",
       ("SECMP0015-FR2",)),
    _F("snapshot_zero_default", "GPF",
       "GPF ReadingSnapshotTime defaults to 0x00000000 instead of 0xFFFFFFFF (and treats it as valid)",
       ("SECMP0015-FR3", "SECMP0015-CR3")),
    _F("old_gpf_returns_value", "GPF",
       "pre-SECMP0015 GPF answers a HAN read of ReadingSnapshotTime with a value, not UNSUPPORTED_ATTRIBUTE",
       ("SECMP0015-CR3",)),
    _F("gcs60a_without_date_time", "GPF",
       "GPF answers GCS60a without a grouping-header date-time (as for GCS60)",
       ("SECMP0015-FR4",)),
    _F("gsme_snapshot_intermittent", "GSME",
       "GSME reports ReadingSnapshotTime only on every other push of its instantaneous values",
       ("SECMP0015-FR1",)),
    _F("invalid_clock_reported_reliable", "GPF",
       "with an invalid CH clock the GPF marks its own time reliable (0x00) instead of invalid (0x01)",
       ("SECMP0015-FR4", "SECMP0015-FR5")),
    _F("reset_clears_all", "meter",
       "a debt-register reset zeroes all three debt registers instead of the named one",
       ("SECMP0002-R1", "SECMP0002-R2")),
    _F("reset_clears_wrong_register", "meter",
       "a debt-register reset zeroes the next register (TDR1->TDR2->PDR->TDR1) instead of the named one",
       ("SECMP0002-R1", "SECMP0002-R2")),
    _F("reset_half_applied_on_error", "meter",
       "a reset interrupted by power loss leaves the register halved while reporting failure",
       ("SECMP0002-R4",)),
    _F("reset_replay_accepted", "meter",
       "a reset command whose originator counter is not above the last accepted one is executed",
       ("SECMP0002-R5",)),
    _F("bad_signature_accepted", "any",
       "critical commands are executed without checking the remote party's signature",
       ("SECMP0002-R5",)),
    _F("response_counter_not_echoed", "any",
       "responses carry the command's originator counter plus one instead of echoing it",
       ("SECMP0002-R6",)),
    _F("wrong_mac", "any",
       "the response MAC is corrupted (last byte inverted)",
       ("SECMP0002-R6",)),
    _F("reset_changes_balance", "meter",
       "a debt-register reset also credits the cleared amount to the meter balance",
       ("SECMP0002-R2",)),
    # -- issue 11: time source vs time value, compatibility, hygiene ---------------------------
    _F("old_gpf_answers_gcs60a", "GPF",
       "pre-SECMP0015 CH answers GCS60a (a use case it does not have) instead of refusing it",
       ("SECMP0015-COMP2",)),
    _F("snapshot_stamped_at_receipt", "GPF",
       "GPF stores its own time of receipt of a push as the snapshot time (bit 2 set) instead of the GSME's",
       ("SECMP0015-FR4", "SECMP0015-FR3")),
    _F("invalid_gsme_time_used", "GPF",
       "GPF uses a GSME snapshot time of 0xFFFFFFFF (invalid time) as a GSME-sourced date-time",
       ("SECMP0015-CR2", "SECMP0015-FR4")),
    _F("own_time_marked_reliable", "GPF",
       "GPF marks its own CH time reliable (0x00) where the seed says unreliable and the profile declares nothing",
       ("SECMP0015-CR2", "SECMP0015-COMP1")),
    _F("gsme_eui_status_unspecified", "GPF",
       "responses to reads addressed to the GSME EUI carry clock status 0xFF (not specified)",
       ("SECMP0015-CR4",)),
    # -- issue 11: every way a critical command can be illegitimate ----------------------------
    _F("replay_equal_counter_accepted", "meter",
       "a replay-protected command whose originator counter equals the last accepted one is executed",
       ("SECMP0002-R5",)),
    _F("replay_counter_per_use_case", "meter",
       "the last accepted originator counter is kept per use case instead of per remote party",
       ("SECMP0002-R5",)),
    _F("foreign_signature_accepted", "meter",
       "a critical command signed with another remote party's key (e.g. the Network Operator's) is executed",
       ("SECMP0002-R5",)),
    _F("role_not_checked", "meter",
       "critical commands are executed whatever the remote party's role (Network Operator, ACB)",
       ("SECMP0002-R5",)),
    _F("command_mac_not_checked", "meter",
       "critical commands are executed without checking the command's MAC",
       ("SECMP0002-R5",)),
    _F("refusal_alert_non_critical", "meter",
       "a security refusal (0x8F30/0x8F3D, critical alerts) is sent as a Generic Non Critical Alert 0x1001",
       ("SECMP0002-R5",)),
    _F("refusal_alert_code_wrong", "meter",
       "a refusal for a remote party without authority carries 0x8F3D instead of 0x8F30",
       ("SECMP0002-R5",)),
    _F("reset_reverts_on_wake", "meter",
       "a reset register gets its old value back at the meter's next wake (GSME) or hourly tick (ESME)",
       ("SECMP0002-R10",)),
    _F("reset_lost_on_restart", "meter",
       "a reset is kept in volatile memory: after a restart or power cycle the old value is back",
       ("SECMP0002-R10",)),
    _F("any_supplier_accepted", "meter",
       "a critical command from a supplier that is not the device's registered supplier is executed",
       ("SECMP0002-R5",)),
    # S1SR device-specific behaviours: a behaviour shown without its declaration, or declared and
    # not shown (tests/compliance/*/test_s1sr_*.py, tests/selftest/test_s1sr_selftest.py)
    _F("meter_local_time_undeclared", "meter",
       "the meter stamps UK local time where GBCS wants UTC although its profile does not declare it",
       ("S1SR-LT",)),
    _F("meter_utc_despite_local_time", "meter",
       "the meter's profile declares local time (local_time_instead_of_utc) but it stamps UTC",
       ("S1SR-LT",)),
    _F("debt_amount_whole_pence_undeclared", "meter",
       "Change Debt amounts are cut to whole pence (1000 millipence) although the profile declares millipence",
       ("S1SR-18.7(j)",)),
    _F("debt_amount_millipence_despite_whole_pence", "meter",
       "the profile declares whole pence (debt_amount_unit) but the meter applies sub-penny amounts",
       ("S1SR-18.7(j)",)),
    _F("debt_update_refused_in_credit", "meter",
       "Change Debt (SRV 2.3) is refused in credit mode although the profile declares both payment modes",
       ("S1SR-18.7(i)",)),
    _F("debt_update_accepted_in_credit", "meter",
       "the profile declares debt updates in prepayment mode only but Change Debt is executed in credit mode",
       ("S1SR-18.7(i)",)),
    # DP093 (GBCS v3.2): the Set Clock alert and the CHF device logs (tests/compliance/dp093)
    _F("set_clock_alert_missing", "CHF",
       "a HAN device clock outside the tolerance raises no Set Clock alert 0x81C6 (nor an event)",
       ("DP093-A1",)),
    _F("set_clock_alert_in_tolerance", "CHF",
       "the CHF raises the Set Clock alert 0x81C6 at every HAN time sync, even within the tolerance",
       ("DP093-A2",)),
    _F("device_log_missing_keys", "CHF",
       "CCS07 lists the joined HAN devices without the hash of their TC Link Key",
       ("DP093-L1",)),
    _F("device_log_removal_not_historic", "CHF",
       "CCS02 removes a device without recording it in the CHF Historic Device Log",
       ("DP093-L2",)),
    _F("device_log_restore_new_key", "CHF",
       "re-adding a device from the Historic Device Log does not reuse its historic TC Link Key",
       ("DP093-L3",)),
)}


def check_faults(names: list[str] | tuple[str, ...], role: str) -> tuple[str, ...]:
    """Validate fault names for a device role; raise ValueError naming the bad one."""
    for name in names:
        fault = FAULTS.get(name)
        if fault is None:
            raise ValueError(f"unknown fault '{name}' (see `harness faults`)")
        if not fault.applies_to(role):
            raise ValueError(f"fault '{name}' is for a {fault.role}, not a {role}")
    return tuple(names)
