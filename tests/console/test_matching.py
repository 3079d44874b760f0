"""Risk terms found however they are disguised, and never inside another word: the hard cases."""

import pytest

from console.queue.matching import matcher, normalise

TERMS = (("suicide", "critical"), ("kill myself", "critical"), ("cutting", "risk"), ("self harm", "risk"),
         ("die", "risk"), ("end it all", "critical"))

FOUND = [
    ("I want to kill myself", ["kill myself"]),
    ("thinking about SUICIDE again", ["suicide"]),
    ("suicidé", ["suicide"]),  # accents
    ("su1c1de", ["suicide"]),  # 1 for i
    ("5uicide", ["suicide"]),  # 5 for s
    ("$uicide", ["suicide"]),
    ("suiiiiiicide", ["suicide"]),  # repeated letters
    ("s u i c i d e", ["suicide"]),  # spelt out
    ("s.u.i.c.i.d.e.", ["suicide"]),
    ("ｓｕｉｃｉｄｅ", ["suicide"]),  # full-width letters
    ("k1ll my5elf", ["kill myself"]),
    ("KILL   MYSELF!!!", ["kill myself"]),  # spacing and punctuation
    ("kiiill myseeelf", ["kill myself"]),
    ("c u t t i n g", ["cutting"]),
    ("self-harm", ["self harm"]),  # a hyphen is a space
    ("selfharm is back", []),  # run together: a different word
    ("I could just end it all", ["end it all"]),
    ("cutting and suicide", ["suicide", "cutting"]),  # critical first
]

NOT_FOUND = ["haircutting is fun", "a diet plan", "studied hard", "skill myself up", "suicidal"]


@pytest.mark.parametrize("text, expected", FOUND)
def test_disguised_terms_are_found(text, expected):
    assert [m.term for m in matcher(TERMS).find(text)] == expected


@pytest.mark.parametrize("text", NOT_FOUND)
def test_a_term_inside_another_word_is_not_found(text):
    assert matcher(TERMS).find(text) == []


def test_a_term_on_both_lists_counts_as_critical():
    both = matcher((("overdose", "risk"), ("overdose", "critical")))
    assert [(m.term, m.list) for m in both.find("an 0verdose")] == [("overdose", "critical")]


def test_normalising_is_the_same_for_terms_and_text():
    assert normalise("Kill Myself") == normalise("k1ll  my$elf") == "ki myseif"
