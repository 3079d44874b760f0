"""Risk terms found however they are written or disguised, in their everyday forms, and never inside another
word; the default lists measured on labelled posts written for the tests."""

from pathlib import Path

import pytest

from console.queue.lexicon import DEFAULT_TERMS
from console.queue.matching import matcher, normalise

TERMS = (("suicide", "critical"), ("kill myself", "critical"), ("cutting", "risk"), ("self harm", "risk"),
         ("die", "risk"), ("end it all", "critical"), ("no reason to live", "critical"), ("overdose", "critical"))
DEFAULTS = tuple((phrase, name) for name, phrases in DEFAULT_TERMS.items() for phrase in phrases)
DATA = Path(__file__).parent / "data"

FOUND = [
    # The three a first week of real use found left at normal priority
    ("feeling suicidal tonight", ["suicide"]),
    ("I did some selfharm", ["self harm"]),
    ("n o reason to liiive", ["no reason to live"]),
    # Disguises
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
    ("going to kill my self", ["kill myself"]),  # a word written as two
    ("c u t t i n g", ["cutting"]),
    ("d i i e", ["die"]),
    # Everyday forms and compounds
    ("killing myself slowly", ["kill myself"]),
    ("I overdosed last night", ["overdose"]),
    ("an OD, an overdose", ["overdose"]),
    ("suicidally low", ["suicide"]),
    ("self-harm", ["self harm"]),  # a hyphen is a space
    ("selfharm is back", ["self harm"]),  # run together
    ("self harming again", ["self harm"]),
    ("he died", ["die"]),
    ("I could just end it all", ["end it all"]),
    ("ending it all", ["end it all"]),
    ("cutting and suicide", ["suicide", "cutting"]),  # critical first
    ("please read \u202eflesym llik ot gniog m'I\u202c and reply", ["kill myself"]),  # shown the right way round
]

# Ordinary words that contain a term, or look like a form of one, and phrases a careless list would flag
NOT_FOUND = ["haircutting is fun", "a diet plan", "studied hard", "skill myself up", "dial the number",
             "killing it at work", "this exam is killing me", "self-made", "diesel engine", "the end of it"]


@pytest.mark.parametrize("text, expected", FOUND)
def test_terms_are_found_however_written(text, expected):
    assert [m.term for m in matcher(TERMS).find(text)] == expected


@pytest.mark.parametrize("text", NOT_FOUND)
def test_a_term_inside_another_word_or_a_look_alike_is_not_found(text):
    assert matcher(TERMS).find(text) == []


def test_overlapping_terms_are_each_found():
    both = matcher((("everyone would be better off", "risk"), ("better off without me", "critical")))
    assert [m.term for m in both.find("everyone would be better off without me")] == [
        "better off without me", "everyone would be better off"]


def test_a_term_on_both_lists_counts_as_critical():
    both = matcher((("overdose", "risk"), ("overdose", "critical")))
    assert [(m.term, m.list) for m in both.find("an 0verdose")] == [("overdose", "critical")]


def test_normalising_is_the_same_for_terms_and_text():
    assert normalise("Don't  K-I-L-L my$elf") == normalise("dont kill myself") == "dont kil myself"


def labelled(name: str) -> list[tuple[str, str]]:
    rows = [line.split("\t", 1) for line in (DATA / name).read_text().splitlines() if not line.startswith("#")]
    return [(label, text) for label, text in rows]


def level(text: str) -> str:
    lists = {m.list for m in matcher(DEFAULTS).find(text)}
    return "critical" if "critical" in lists else "risk" if lists else "none"


def test_the_default_lists_on_the_posts_they_were_written_with():
    """A regression check: the posts written alongside the lists stay flagged at their level. How the lists do
    on posts they were not written from is measured by `python -m console.bench.words`."""
    rows = labelled("labelled_posts.tsv")
    assert len(rows) >= 200
    missed = [(label, text) for label, text in rows if label != "none" and level(text) != label]
    assert missed == []
    flagged = [text for label, text in rows if label == "none" and level(text) != "none"]
    assert len(flagged) <= 0.1 * sum(1 for label, _ in rows if label == "none"), flagged
