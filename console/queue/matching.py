"""Finding a service's critical and risk terms in a post, however they are disguised.

Text and terms go through the same normalisation: Unicode compatibility forms and accents removed
("ｓｕｉｃｉｄｅ", "suicídé"), case folded, common character swaps undone (5 and $ for s, 1 and l both as
i, 0 for o, 3 for e, 4 and @ for a, 7 for t), repeated letters collapsed ("suiiiicide"), and anything
that is not a letter or digit turned into a space, and letters spelt out one by one joined up
("s.u.i.c.i.d.e", "s u i c i d e"). A term matches on word boundaries only ("cutting" is not found in "haircutting").
All terms of a service are one compiled regular expression, so thousands of terms cost one pass.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

SWAPS = str.maketrans({"5": "s", "$": "s", "1": "i", "l": "i", "0": "o", "3": "e", "4": "a", "@": "a", "7": "t"})
REPEATS = re.compile(r"(.)\1+")
NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Text as it is matched: see the module's docstring."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    words = NOT_WORD.sub(" ", REPEATS.sub(r"\1", plain.casefold().translate(SWAPS))).split()
    joined, letters = [], []
    for word in [*words, ""]:  # three or more letters standing alone are one word spelt out: "s u i c i d e"
        if len(word) == 1:
            letters.append(word)
            continue
        joined.extend([REPEATS.sub(r"\1", "".join(letters))] if len(letters) >= 3 else letters)
        letters = []
        if word:
            joined.append(word)
    return " ".join(joined)


@dataclass(frozen=True)
class Match:
    """A term found in a post, and the list it is on."""

    term: str
    list: str


class Matcher:
    """A service's terms compiled into one pattern."""

    def __init__(self, terms: tuple[tuple[str, str], ...]):
        self.by_form: dict[str, Match] = {}
        for phrase, list_name in terms:
            form = normalise(phrase)
            if form and (form not in self.by_form or list_name == "critical"):
                self.by_form[form] = Match(phrase, list_name)
        alternatives = sorted(self.by_form, key=len, reverse=True)  # the longest phrase wins where they overlap
        self.pattern = re.compile(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, alternatives)) + r")(?![a-z0-9])") \
            if alternatives else None

    def find(self, text: str) -> list[Match]:
        """Every term found in the text, critical ones first, each once."""
        if self.pattern is None:
            return []
        found = {self.by_form[m.group(0)] for m in self.pattern.finditer(normalise(text))}
        return sorted(found, key=lambda m: (m.list != "critical", m.term))


@lru_cache(maxsize=256)
def matcher(terms: tuple[tuple[str, str], ...]) -> Matcher:
    """The compiled matcher of a set of (phrase, list) terms, kept while the terms stay the same."""
    return Matcher(terms)
