"""The Curtois & Qu instance files: read as written, and bad files say what is wrong."""

import pytest

from rota.bench.curtois.instance import InstanceError, parse_instance
from tests.rota.bench.curtois.builders import TINY


def test_the_file_format_is_read(tiny):
    assert (tiny.days, tiny.minutes, tiny.cannot_follow) == (14, {"D": 480, "N": 600}, {"D": set(), "N": {"D"}})
    a = tiny.employees["A"]
    assert (a.max_shifts, a.max_minutes, a.min_minutes, a.max_consecutive, a.min_consecutive, a.min_days_off,
            a.max_weekends) == ({"D": 10, "N": 2}, 6000, 960, 4, 2, 2, 1)
    assert tiny.days_off == {"A": {12}} and tiny.cover[0].requirement == 2


def test_bad_files_name_what_is_wrong():
    with pytest.raises(InstanceError, match="missing SECTION_COVER"):
        parse_instance(TINY.split("SECTION_COVER")[0], "cut")
    with pytest.raises(InstanceError, match="'x' is not a whole number"):
        parse_instance(TINY.replace("D,480,", "D,x,"), "bad")
