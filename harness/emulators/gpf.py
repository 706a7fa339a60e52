"""The emulated Communications Hub GPF: mirrors the GSME's instantaneous values and
ReadingSnapshotTime, answers GCS13a/b/c, GCS14, GCS60 and GCS60a from the mirror with the
SECMP0015 grouping-header date-time, and serves HAN reads of the Metering cluster."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from harness.emulators.clock import INVALID_UTC_TIME, UTC_EPOCH_2000, VirtualClock, from_utctime, to_utctime
from harness.emulators.config import GSME_REGISTERS, DeviceConfig
from harness.emulators.gsme import Push
from harness.gbcs import zcl
from harness.gbcs.datetime import ClockSource, ClockStatus, DateTime, Reliability

READ_USE_CASES = ("GCS13a", "GCS13b", "GCS13c", "GCS14", "GCS60", "GCS60a")
DATED_USE_CASES = ("GCS13a", "GCS13b", "GCS13c", "GCS14", "GCS60a")
_RELIABILITY = {"reliable": Reliability.RELIABLE, "unreliable": Reliability.UNRELIABLE,
                "invalid": Reliability.INVALID}


class Gpf:
    role = "GPF"

    def __init__(self, cfg: DeviceConfig, clock: VirtualClock, initial: dict[str, int] | None = None) -> None:
        self.cfg = cfg
        self.clock = clock
        self.faults = tuple(cfg.faults)
        self.ch_clock = cfg.ch_clock
        self.mirror: dict[str, int] = dict(initial if initial is not None else GSME_REGISTERS)
        self.snapshot_time = 0 if "snapshot_zero_default" in self.faults else INVALID_UTC_TIME
        self.snapshot_supplied = False
        self.last_push: int | None = None
        self.last_push_at: str | None = None

    # -- mirror ---------------------------------------------------------------------------------
    def receive(self, push: Push) -> None:
        """A GSME push: values always mirrored; the snapshot time only by a SECMP0015 GPF (an
        older GPF discards it)."""
        self.mirror = dict(push.values)
        self.last_push = push.sequence
        self.last_push_at = push.at.isoformat()
        if not self.cfg.secmp0015 or push.snapshot_time is None:
            return
        if "snapshot_not_updated" in self.faults and self.snapshot_supplied:
            return
        if "snapshot_stamped_at_receipt" in self.faults and push.snapshot_time != INVALID_UTC_TIME:
            self.snapshot_time = to_utctime(self.clock.now())  # its own time of receipt, not the GSME's
            self.snapshot_supplied = True
            return
        self.snapshot_time = push.snapshot_time
        self.snapshot_supplied = True

    @property
    def supports_gcs60a(self) -> bool:
        """GCS60a is SECMP0015's new use case: an old CH refuses it (a faulty one answers)."""
        return self.cfg.secmp0015 or "old_gpf_answers_gcs60a" in self.faults

    @property
    def snapshot_valid(self) -> bool:
        if "invalid_gsme_time_used" in self.faults and self.snapshot_supplied:
            return self.cfg.secmp0015
        return self.cfg.secmp0015 and self.snapshot_time != INVALID_UTC_TIME

    # -- SECMP0015 date-time ----------------------------------------------------------------------
    def response_date_time(self, use_case: str) -> DateTime | None:
        """The grouping-header date-time of a GPF response (None for GCS60)."""
        if use_case not in DATED_USE_CASES or (use_case == "GCS60a" and "gcs60a_without_date_time" in self.faults):
            return None
        snapshot = from_utctime(self.snapshot_time) if self.snapshot_valid else None
        if snapshot is None and self.snapshot_valid and "invalid_gsme_time_used" in self.faults:
            snapshot = UTC_EPOCH_2000 + _dt.timedelta(seconds=self.snapshot_time)  # 0xFFFFFFFF as a date
        if snapshot is not None and "gpf_own_time_despite_snapshot" not in self.faults:
            source, reliability, when = ClockSource.GSME, Reliability.RELIABLE, snapshot
            if "bit2_never_set" in self.faults:
                source = ClockSource.RESPONDER
        else:
            when = self.clock.now()
            source = ClockSource.RESPONDER
            if self.ch_clock == "invalid":
                reliability = Reliability.RELIABLE if "invalid_clock_reported_reliable" in self.faults \
                    else Reliability.INVALID
            elif self.ch_clock == "unreliable":
                reliability = Reliability.UNRELIABLE
            else:
                reliability = _RELIABILITY[self.cfg.gpf_time_reliability]
                if "own_time_marked_reliable" in self.faults:
                    reliability = Reliability.RELIABLE
            if "bit2_set_on_gpf_time" in self.faults:
                source = ClockSource.GSME
        if "reliability_bit_wrong" in self.faults and reliability is not Reliability.INVALID:
            reliability = Reliability.UNRELIABLE if reliability is Reliability.RELIABLE else Reliability.RELIABLE
        return DateTime.from_datetime(when, ClockStatus.of(source, reliability))

    # -- reads ----------------------------------------------------------------------------------
    def read_values(self, request: dict[str, Any]) -> tuple[dict[str, Any], dict[str, int]]:
        """Values and non-zero ZCL statuses, by attribute name, for the attributes a parsed GBZ
        read command (:func:`harness.gbcs.usecases.parse_command`) asks for."""
        values: dict[str, Any] = {}
        statuses: dict[str, int] = {}
        for comp in request["components"]:
            for attr in comp.get("attributes", ()):
                record = self._record(comp["cluster"], attr, han=False)
                name = zcl.attribute_name(comp["cluster"], attr)
                if record.status:
                    statuses[name] = record.status
                else:
                    values[name] = record.value
        return values, statuses

    def han_read(self, cluster: int, attribute_ids: list[int]) -> list[zcl.AttributeRecord]:
        """A HAN device (IHD/PPMID) reading the GPF's GSME mirror."""
        return [self._record(cluster, a, han=True) for a in attribute_ids]

    def _record(self, cluster: int, attr: int, *, han: bool) -> zcl.AttributeRecord:
        if cluster == zcl.CLUSTER_METERING and attr == 0x0007:
            return self._snapshot_record()
        name = zcl.attribute_name(cluster, attr)
        type_id = zcl.attribute_type(cluster, attr)
        if type_id is None or name not in self.mirror:
            return zcl.AttributeRecord(attr, zcl.UNSUPPORTED_ATTRIBUTE)
        return zcl.AttributeRecord(attr, zcl.SUCCESS, type_id, self.mirror[name])

    def _snapshot_record(self) -> zcl.AttributeRecord:
        if not self.cfg.secmp0015:
            if "old_gpf_returns_value" in self.faults:
                return zcl.AttributeRecord(0x0007, zcl.SUCCESS, zcl.UTC_TIME, INVALID_UTC_TIME)
            return zcl.AttributeRecord(0x0007, zcl.UNSUPPORTED_ATTRIBUTE)
        if not self.snapshot_supplied and self.cfg.never_populated_read == "unsupported_attribute":
            return zcl.AttributeRecord(0x0007, zcl.UNSUPPORTED_ATTRIBUTE)
        return zcl.AttributeRecord(0x0007, zcl.SUCCESS, zcl.UTC_TIME, self.snapshot_time)

    # -- state ----------------------------------------------------------------------------------
    def set_state(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key in ("ch_clock", "clock"):
                if value not in _RELIABILITY:
                    raise ValueError(f"ch_clock {value!r}")
                self.ch_clock = value
            elif key == "snapshot_time":
                self.snapshot_time = int(value)
                self.snapshot_supplied = True
            elif key in self.mirror:
                self.mirror[key] = int(value)
            else:
                raise ValueError(f"GPF has no state {key!r}")

    def get_state(self) -> dict[str, Any]:
        when = from_utctime(self.snapshot_time)
        return {"role": self.role, "mirror": dict(self.mirror), "snapshot_time": self.snapshot_time,
                "snapshot_utc": when.isoformat() if when and self.snapshot_valid else None,
                "snapshot_supplied": self.snapshot_supplied, "ch_clock": self.ch_clock,
                "last_push": self.last_push, "last_push_at": self.last_push_at,
                "now": self.clock.now().isoformat()}

