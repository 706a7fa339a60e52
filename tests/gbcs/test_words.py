"""Date-times of a decoded tree in words (recorded by the plugin, shown by the report)."""

from __future__ import annotations

from harness.gbcs.words import date_times, words


def test_every_date_time_field_of_a_tree_in_words() -> None:
    tree = {"date_time": "07E80501FF091E0000800004",
            "payload": {"items": [{"reading_snapshot_date_time": {"hex": "07E80501FF091E0000800000"}}],
                        "other": "07E80501FF091E0000800004"}}
    assert date_times(tree) == [
        ["date_time", "2024-05-01 09:30:00 (from GSME, reliable) [07E80501FF091E0000800004]"],
        ["payload.items[0].reading_snapshot_date_time", words({"hex": "07E80501FF091E0000800000"})],
    ]
    assert "from GSME" not in date_times(tree)[1][1]  # bit 2 clear: the CH's own time


def test_what_is_not_a_date_time_stays_as_it_came() -> None:
    assert words("not hex") == "not hex" and words("ZZ" * 12) == "ZZ" * 12
    assert date_times({"date_time": None, "x": [1, 2]}) == []
