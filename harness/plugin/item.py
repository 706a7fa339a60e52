"""What the plugin collects about one test while it runs (measurements, exchanges, phases)."""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field

import pytest

from harness.records import ExchangeRecord, Failure, Measurement, Waiver
from harness.vocabulary import Outcome

ITEM_KEY = pytest.StashKey["ItemState"]()


@dataclass
class ItemState:
    started: str = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat())
    t0: float = field(default_factory=time.monotonic)
    outcome: Outcome | None = None
    skip_reason: str | None = None
    failure: Failure | None = None
    waiver: Waiver | None = None
    measurements: list[Measurement] = field(default_factory=list)
    exchanges: list[ExchangeRecord] = field(default_factory=list)


def item_state(item: pytest.Item) -> ItemState:
    state = item.stash.get(ITEM_KEY, None)
    return fresh_item_state(item) if state is None else state


def fresh_item_state(item: pytest.Item) -> ItemState:
    """Start the item's next attempt with an empty state."""
    state = ItemState()
    item.stash[ITEM_KEY] = state
    return state
