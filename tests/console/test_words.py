"""Clock times, periods, lengths of time, counts and lists in words."""

import ast
from datetime import date
from pathlib import Path

import pytest
from markupsafe import Markup

import console
from console.words import clock, counted, days_span, duration, hours, listed, period


@pytest.mark.parametrize("minutes, words", [(0, "00:00"), (8 * 60, "08:00"), (17 * 60 + 30, "17:30"),
                                            (24 * 60, "24:00")])
def test_clock_times_read_as_a_clock_shows_them(minutes, words):
    assert clock(minutes) == words


def test_a_period_reads_from_its_start_to_its_end_on_its_day():
    assert period(17 * 60, 22 * 60) == "17:00–22:00"
    assert period(0, 24 * 60) == "00:00–24:00"
    assert period(17 * 60, 22 * 60, date(2026, 12, 7)) == "Mon 07 Dec 17:00–22:00"


def test_the_console_writes_times_in_words_not_in_the_engines_file_format():
    """rota.scenario.format_time writes times into the engine's files; pages and emails use clock and period."""
    importing = sorted(str(path.relative_to(Path(console.__file__).parent))
                       for path in Path(console.__file__).parent.rglob("*.py")
                       for node in ast.walk(ast.parse(path.read_text()))
                       if isinstance(node, ast.ImportFrom) and node.module == "rota.scenario"
                       and "format_time" in {alias.name for alias in node.names})
    assert importing == []


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


@pytest.mark.parametrize("number, words", [(0, "no hours"), (1, "1 hour"), (12, "12 hours"), (1234, "1,234 hours")])
def test_counts_say_none_one_thing_or_several(number, words):
    assert counted(number, "hour") == words


@pytest.mark.parametrize("number, words", [(0, "no people"), (1, "1 person"), (33, "33 people")])
def test_a_noun_with_its_own_plural_is_counted_with_it(number, words):
    assert counted(number, "person", "people") == words


@pytest.mark.parametrize("items, words", [([], ""), (["name"], "name"), (["name", "services"], "name and services"),
                                          (["name", "roles", "services"], "name, roles and services")])
def test_lists_read_as_a_sentence_lists_them(items, words):
    assert listed(items) == words


def test_a_list_of_names_made_safe_for_a_page_stays_safe():
    said = listed([Markup("<mark>W</mark>illow"), "<b>Rowan</b>", Markup("Ash")])
    assert isinstance(said, Markup) and said == "<mark>W</mark>illow, &lt;b&gt;Rowan&lt;/b&gt; and Ash"
