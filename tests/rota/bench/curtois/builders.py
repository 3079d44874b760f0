"""Small Curtois & Qu instances and rosters for tests, and the shared benchmark's own instance files."""

import os
from pathlib import Path

import pytest

from rota.bench.curtois.instance import Instance, Roster, parse_roster

BENCHMARKS = Path(__file__).resolve().parents[5] / "shared" / "benchmarks" / "curtois"

# Two weeks, two shifts (N may not be followed by D), one employee A and one employee B.
TINY = "\r\n".join([
    "# comment", "SECTION_HORIZON", "14", "",
    "SECTION_SHIFTS", "D,480,", "N,600,D", "",
    "SECTION_STAFF",
    "A,D=10|N=2,6000,960,4,2,2,1",
    "B,D=14|N=0,9000,0,7,1,1,2", "",
    "SECTION_DAYS_OFF", "A,12", "",
    "SECTION_SHIFT_ON_REQUESTS", "A,0,D,3", "",
    "SECTION_SHIFT_OFF_REQUESTS", "B,1,D,2", "",
    "SECTION_COVER", "0,D,2,100,1", "1,D,1,100,1", "",
])


def roster(tiny: Instance, a: str, b: str = "-" * 14) -> Roster:
    """A roster of the tiny instance: A's and B's shifts, one character a day."""
    return parse_roster(tiny, f"A\t{chr(9).join(a)}\nB\t{chr(9).join(b)}\n")


def instance_file(name: str) -> Path:
    """One of the shared benchmark's instance files (beside the clone), or a skip outside CI when it is not there."""
    path = BENCHMARKS / name
    if not path.exists():
        if os.environ.get("CI"):  # CI runs with shared/ beside the clone: a missing file is an error there
            pytest.fail(f"shared benchmarks not found at {BENCHMARKS}")
        pytest.skip(f"shared benchmarks not found at {BENCHMARKS}")
    return path
