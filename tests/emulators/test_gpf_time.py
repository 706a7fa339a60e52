"""SECMP0015: the GPF's grouping-header date-time, its HAN ReadingSnapshotTime and the mirror."""

import datetime as dt
import json

import pytest

from harness.emulators.clock import INVALID_UTC_TIME, to_utctime
from harness.gbcs import zcl
from harness.transport.framing import Frame, FrameKind, HanFrame

DATED = ["GCS13a", "GCS13b", "GCS13c", "GCS14", "GCS60a"]
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def han_read(client, attrs=(0x0007,), cluster=0x0702):
    zframe = zcl.ZclHeader(0x00, 7, zcl.CMD_READ_ATTRIBUTES).to_bytes() + zcl.ReadAttributes(list(attrs)).to_bytes()
    out = client.host.handle(Frame.han(HanFrame(client.eui("IHD"), client.eui("GPF"), cluster, zframe)))
    assert out[0].kind is FrameKind.HAN, out
    han = HanFrame.from_bytes(out[0].data)
    frame = zcl.ZclFrame.parse(han.cluster, han.zcl)
    assert frame.header.tsn == 7 and frame.header.command_id == zcl.CMD_READ_ATTRIBUTES_RESPONSE
    return {r.attribute_id: r for r in frame.body.records}


@pytest.mark.parametrize("uc", DATED)
def test_valid_snapshot_is_used_with_bit2_and_reliable(client, uc):
    client.control("advance", seconds=600)
    client.control("push")  # snapshot = GSME clock at 00:10
    client.control("advance", seconds=300)
    resp = client.send(uc, "GPF").ok()
    assert resp.clock_status.raw == 0x04
    assert resp.date_time.to_datetime() == T0 + dt.timedelta(minutes=10)


@pytest.mark.parametrize("uc", DATED)
@pytest.mark.parametrize("reliability,raw", [("unreliable", 0x02), ("reliable", 0x00)])
def test_without_snapshot_the_ch_time_is_used_bit2_clear(make_client, uc, reliability, raw):
    client = make_client({"GPF": {"gpf_time_reliability": reliability}})
    client.control("advance", seconds=125)
    resp = client.send(uc, "GPF").ok()
    assert resp.clock_status.raw == raw
    assert resp.date_time.to_datetime() == T0 + dt.timedelta(seconds=125)


@pytest.mark.parametrize("uc", DATED)
def test_invalid_ch_clock_is_marked_invalid(make_client, uc):
    client = make_client({"GPF": {"ch_clock": "invalid"}})
    assert client.send(uc, "GPF").ok().clock_status.raw == 0x01


def test_gcs60_has_no_date_time_even_with_a_snapshot(client):
    client.control("push")
    resp = client.send("GCS60", "GPF").ok()
    assert resp.date_time is None
    assert resp.values["CreditRemaining"] == 2_500_000


def test_reads_addressed_to_the_gsme_are_answered_from_the_mirror(client):
    client.control("push")
    reply = client.send("GCS13a", "GSME")
    assert reply.message.originator == client.eui("GSME")
    assert reply.ok().clock_status.raw == 0x04


@pytest.mark.parametrize("gpf_new,gsme_new,status", [
    (True, True, 0x04), (True, False, 0x02), (False, True, 0x02), (False, False, 0x02)])
def test_old_and_new_gpf_gsme_combinations(make_client, gpf_new, gsme_new, status):
    client = make_client({"GPF": {"secmp0015": gpf_new}, "GSME": {"secmp0015": gsme_new}})
    client.control("push")
    assert client.send("GCS13a", "GPF").ok().clock_status.raw == status


def test_han_read_of_reading_snapshot_time(client):
    rec = han_read(client)[0x0007]
    assert (rec.status, rec.type_id, rec.value) == (0x00, zcl.UTC_TIME, INVALID_UTC_TIME)
    client.control("advance", seconds=60)
    client.control("push")
    assert han_read(client)[0x0007].value == to_utctime(T0 + dt.timedelta(seconds=60))


def test_han_read_never_populated_can_be_unsupported_attribute(make_client):
    client = make_client({"GPF": {"never_populated_read": "unsupported_attribute"}})
    assert han_read(client)[0x0007].status == zcl.UNSUPPORTED_ATTRIBUTE
    client.control("push")
    assert han_read(client)[0x0007].status == 0x00


def test_old_gpf_answers_unsupported_attribute_and_discards_snapshots(make_client):
    client = make_client({"GPF": {"secmp0015": False}})
    client.control("push")
    assert han_read(client)[0x0007].status == zcl.UNSUPPORTED_ATTRIBUTE
    assert client.state("gpf")["snapshot_supplied"] is False


def test_values_and_time_stamp_come_from_the_same_push(client):
    client.control("advance", seconds=1800)  # wake at 00:30 pushes
    recs = han_read(client, (0x0000, 0x0007))
    state = client.state("gsme")
    assert recs[0x0000].value == state["registers"]["CurrentSummationDelivered"]
    assert recs[0x0007].value == to_utctime(T0 + dt.timedelta(minutes=30))
    resp = client.send("GCS13a", "GPF").ok()
    assert resp.values["CurrentSummationDelivered"] == recs[0x0000].value


def test_clock_advance_fires_pushes_at_the_wake_interval(make_client):
    client = make_client({"GSME": {"wake_interval_s": 600}})
    client.control("advance", seconds=3600)
    assert client.state("gsme")["pushes"] == 6
    assert client.state("gpf")["snapshot_utc"] == (T0 + dt.timedelta(hours=1)).isoformat()


def test_han_outage_keeps_the_last_snapshot(client):
    client.control("advance", seconds=1800)
    client.control("han_outage", active=True)
    client.control("advance", seconds=3 * 1800)
    resp = client.send("GCS13a", "GPF").ok()
    assert resp.clock_status.raw == 0x04
    assert resp.date_time.to_datetime() == T0 + dt.timedelta(minutes=30)
    client.control("han_outage", active=False)
    client.control("advance", seconds=1800)
    assert client.send("GCS13a", "GPF").ok().date_time.to_datetime() == T0 + dt.timedelta(hours=2, minutes=30)


def test_invalid_gsme_clock_reports_invalid_time_so_the_gpf_uses_its_own(make_client):
    client = make_client({"GSME": {"gsme_clock": "invalid"}})
    client.control("push")
    assert han_read(client)[0x0007].value == INVALID_UTC_TIME
    assert client.send("GCS13a", "GPF").ok().clock_status.raw == 0x02


def test_han_read_for_an_unknown_destination_is_an_error(client):
    zframe = zcl.ZclHeader(0x00, 0, 0x00).to_bytes() + b"\x07\x00"
    out = client.host.handle(Frame.han(HanFrame(client.eui("IHD"), b"\x01" * 8, 0x0702, zframe)))
    assert out[0].kind is FrameKind.ERROR and "no GPF" in out[0].text()


def test_gpf_state_through_the_control_channel(make_client):
    """set_state/get_state of the GPF (the control channel; real hardware has none): the snapshot
    time (supplied from then on), a mirrored register and the CH clock each go where they belong;
    an unknown key or clock is refused; an old GPF never reports a snapshot instant."""
    client = make_client()
    snap = to_utctime(T0 + dt.timedelta(minutes=5))
    client.control("set_state", device="GPF", values={"snapshot_time": snap, "CurrentSummationDelivered": 1234,
                                                      "ch_clock": "unreliable"})
    state = client.state("GPF")
    assert (state["snapshot_time"], state["snapshot_supplied"], state["ch_clock"]) == (snap, True, "unreliable")
    assert state["mirror"]["CurrentSummationDelivered"] == 1234
    assert state["snapshot_utc"] == (T0 + dt.timedelta(minutes=5)).isoformat()
    for values in ({"NoSuchRegister": 1}, {"unknown": 1}, {"ch_clock": "sometimes"}):
        with pytest.raises(ValueError):
            client.host.device("GPF").model.set_state(values)
    # keys as a control message carries them (decoded from JSON: equal strings, not the same objects)
    client.control("set_state", device="GPF", values=json.loads(json.dumps({"snapshot_time": snap + 60})))
    assert client.state("GPF")["snapshot_time"] == snap + 60
    old = make_client({"GPF": {"secmp0015": False}})
    old.control("set_state", device="GPF", values={"snapshot_time": snap})
    assert old.state("GPF")["snapshot_utc"] is None


@pytest.mark.parametrize("cluster,attr", [(0x0702, 0x0014), (0x0700, 0x0007), (0x0705, 0x0007)])
def test_han_read_of_an_attribute_the_gpf_does_not_mirror_is_unsupported(client, cluster, attr):
    """Metering SupplyStatus (typed, not mirrored) and attribute 7 of other clusters (not the
    Metering ReadingSnapshotTime): UNSUPPORTED_ATTRIBUTE."""
    client.control("push")
    records = han_read(client, attrs=(attr,), cluster=cluster)
    assert records[attr].status == zcl.UNSUPPORTED_ATTRIBUTE


def test_the_gpf_mirror_starts_from_the_values_it_is_given():
    """Before any push the mirror holds the starting values the host hands it (else the defaults)."""
    from harness.emulators.clock import VirtualClock
    from harness.emulators.config import GSME_REGISTERS, HostConfig
    from harness.emulators.gpf import Gpf

    cfg = next(d for d in HostConfig.default().devices if d.role == "GPF")
    start = {**GSME_REGISTERS, "CurrentSummationDelivered": 424242}
    assert Gpf(cfg, VirtualClock(T0), start).mirror == start
    assert Gpf(cfg, VirtualClock(T0)).mirror == dict(GSME_REGISTERS)
