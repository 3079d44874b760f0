"""Lengths of time, counts and lists in words."""

import pytest

from console.words import counted, days_span, duration, hours, listed


@pytest.mark.parametrize("minutes, words", [(0, "0 min"), (45, "45 min"), (60, "1 h"), (210, "3 h 30 min"),
                                            (5778, "4 days"), (5898, "4 days 2 h"), (1440, "1 day"),
                                            (-90, "1 h 30 min")])
def test_durations_read_as_people_say_them(minutes, words):
    assert duration(minutes) == words


@pytest.mark.parametrize("days, words", [(0, "0 days"), (1, "1 day"), (6, "6 days"), (7, "1 week"),
                                         (30, "4 weeks 2 days")])
def test_spans_of_days_read_in_weeks_and_days(days, words):
    assert days_span(days) == words


@pytest.mark.parametrize("minutes, words", [(0, "0 h"), (750, "12 h 30 min"), (74040, "1,234 h")])
def test_hours_added_up_stay_hours(minutes, words):
    assert hours(minutes) == words


@pytest.mark.parametrize("number, words", [(0, "0 hours"), (1, "1 hour"), (12, "12 hours")])
def test_counts_say_one_thing_or_several(number, words):
    assert counted(number, "hour") == words


@pytest.mark.parametrize("items, words", [([], ""), (["name"], "name"), (["name", "services"], "name and services"),
                                          (["name", "roles", "services"], "name, roles and services")])
def test_lists_read_as_a_sentence_lists_them(items, words):
    assert listed(items) == words
