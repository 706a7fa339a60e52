"""Hypothesis strategies for typed result records (harness.records): every part, with JSON-able
trees where a record carries them (decoded payloads, measurement values)."""

from __future__ import annotations

from hypothesis import strategies as st

from harness.records import BenchInfo, DeviceInfo, ExchangeRecord, Failure, Measurement, TestRecord, Waiver
from harness.vocabulary import ConnectionType, Outcome, Role, Severity

# No NUL and no lone surrogates: PostgreSQL's text columns (nodeid, bench) refuse both.
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
maybe_text = st.none() | text
finite = st.floats(allow_nan=False, allow_infinity=False)
leaf = st.none() | st.booleans() | st.integers() | finite | text
tree = st.recursive(leaf, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(text, kids, max_size=3),
                    max_leaves=8)

benches = st.builds(BenchInfo, maybe_text, maybe_text, st.none() | st.sampled_from(ConnectionType), maybe_text)
devices = st.builds(DeviceInfo, st.sampled_from(Role), text, text, text, text, text, maybe_text,
                    st.lists(text, max_size=3))
failures = st.builds(Failure, text, text, maybe_text)
waivers = st.builds(Waiver, text, maybe_text, maybe_text, text)
measurements = st.builds(Measurement, text, tree, maybe_text, st.none() | finite, st.none() | finite, tree,
                         st.sampled_from(["pass", "fail"]))
exchanges = st.builds(ExchangeRecord, text, st.sampled_from(["tx", "rx"]), text, text,
                      st.none() | st.dictionaries(text, tree, max_size=3), text,
                      st.none() | st.lists(st.tuples(text, text), max_size=3))
records = st.builds(
    TestRecord, nodeid=text.filter(bool), name=text, outcome=st.sampled_from(Outcome),
    duration_s=st.floats(min_value=0, max_value=1e6), started=text, cycle_id=maybe_text, bench=benches,
    devices=st.lists(devices, max_size=2), requirements=st.lists(text, max_size=3),
    severity=st.sampled_from(Severity), waiver=st.none() | waivers, skip_reason=maybe_text,
    failure=st.none() | failures, measurements=st.lists(measurements, max_size=2),
    exchanges=st.lists(exchanges, max_size=2), harness_version=text, capture=maybe_text,
    attempt=st.integers(min_value=1, max_value=9))
