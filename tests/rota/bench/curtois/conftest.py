"""The tiny instance every Curtois & Qu test starts from."""

import pytest

from rota.bench.curtois.instance import parse_instance
from tests.rota.bench.curtois.builders import TINY


@pytest.fixture
def tiny():
    """Two weeks, two shifts and two employees (builders.TINY)."""
    return parse_instance(TINY, "tiny")
