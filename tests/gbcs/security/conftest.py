"""Fixtures of the GBCS security tests: the packaged RTDS keystore."""

from __future__ import annotations

import pytest
from sec_helpers import KEYSTORE

from harness.gbcs.security.keystore import Keystore


@pytest.fixture(scope="session")
def keystore() -> Keystore:
    return Keystore.from_folder(KEYSTORE)
