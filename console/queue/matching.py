"""Finding a service's critical and risk terms in a post, however they are written or disguised.

Text and terms go through the same normalisation: Unicode compatibility forms and accents removed
("ｓｕｉｃｉｄｅ", "suicídé"), case folded, common character swaps undone (5 and $ for s, 0 for o, 3 for e, 4 and
@ for a, 7 for t; 1 stands for i or l), apostrophes dropped ("don't" is "dont"), repeated letters collapsed
("suiiiicide"), anything that is not a letter or digit turned into a space, letters spelt out one by one joined
up ("n o", "s u i c i d e") and words often split joined ("my self").

A term then matches:
- spelt out, with punctuation between its words or none: "s.u.i.c.i.d.e", "n o reason to liiive", "self-harm",
  "selfharm";
- in its everyday forms: its first and last words take the endings -s, -es, -ed, -d and -ing (a final e
  dropped before -ing, -ed and -al: "overdosed", "hanging", "suicidal"; -n after it: "given"), and -al/-ally on
  longer words;
- where it overlaps another term: each is found;
- as a reader sees it: letters a right-to-left override turns around are read the way they show;
- on word boundaries only: "cutting" is not found in "haircutting", "die" not in "diet".

All terms of a service are one compiled regular expression, written as a tree of shared beginnings, so a post
is read once however many terms there are; a match is traced back to its term through its letters alone.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

SWAPS = str.maketrans({"5": "s", "$": "s", "0": "o", "3": "e", "4": "a", "@": "a", "7": "t"})
# 1 is written for i and for l, so a term's i or l matches it too; a match is traced back with both read as i.
LOOK_ALIKES = {"i": "[i1]", "l": "[l1]"}
AS_I = str.maketrans({"1": "i", "l": "i"})
REPEATS = re.compile(r"(.)\1+")
NOT_WORD = re.compile(r"[^a-z0-9]+")
APOSTROPHES = re.compile(r"['’‘`´]")  # "don't" is read "dont", "I'm" "im"
# Words often written as two: "my self", "any more".
SPLIT_WORDS = re.compile(r"\b(my|your|him|her|it|them|our) (self|selves)\b|\b(any|no|every|some) (more|one|body)\b")
SPELT_OUT = re.compile(r"\b[a-z0-9](?: [a-z0-9]\b)+")  # letters standing alone, one after another: "n o"
# Endings every word of three letters or more may take, and the longer ones only words of five letters or more
# may ("dial" is not a form of "die").
ENDINGS = ("s", "es", "d", "ed", "ing")
LONG_ENDINGS = ("al", "ally")
# Words that never change form inside a phrase ("kill myself", not "kill myselves"), as normalised.
FIXED_WORDS = frozenset(REPEATS.sub(r"\1", word) for word in (
    "me", "my", "myself", "it", "all", "to", "the", "a", "an", "of", "i", "no", "not", "for", "be", "off", "out",
    "up", "in", "on", "and", "or", "any", "anymore", "more", "without", "this", "here", "again", "too", "own",
    "after", "before", "life", "alive", "dead"))


def normalise(text: str) -> str:
    """Text as it is matched: see the module's docstring (letters and digits, single spaces)."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    folded = APOSTROPHES.sub("", plain.casefold().translate(SWAPS))
    words = " ".join(NOT_WORD.sub(" ", REPEATS.sub(r"\1", folded)).split())
    words = SPELT_OUT.sub(lambda run: REPEATS.sub(r"\1", run.group(0).replace(" ", "")), words)
    return SPLIT_WORDS.sub(lambda pair: pair.group(0).replace(" ", ""), words)


RIGHT_TO_LEFT_OVERRIDE = re.compile("\u202e([^\u202c\n]*)")  # up to POP DIRECTIONAL FORMATTING or the line's end


def as_displayed(text: str) -> str:
    """The text, and each stretch a right-to-left override turns around as a reader sees it: "\u202eeid ot tnaw"
    shows as "want to die"."""
    shown = [run[::-1] for run in RIGHT_TO_LEFT_OVERRIDE.findall(text)]
    return "\n".join([text, *shown])


def _key(letters: str) -> str:
    """How a match is traced back to its term: its letters, repeats collapsed, with 1, l and i read alike."""
    return REPEATS.sub(r"\1", letters.replace(" ", "").translate(AS_I))


def forms_of(word: str) -> tuple[str, set[str]]:
    """A normalised word's stem and the endings that make its everyday forms ("" is the word itself)."""
    if word in FIXED_WORDS or len(word) < 3:
        return word, {""}
    stem = word[:-1] if word.endswith("e") and len(word) >= 4 else word
    forms = {word} | {word + ending for ending in ENDINGS} | {stem + ending for ending in ("ing", "ed", "es")}
    if word.endswith("e"):
        forms.add(word + "n")  # give: given
    if len(stem) >= 5:
        forms |= {stem + ending for ending in LONG_ENDINGS}
    # Collapsing repeats may merge a stem's last letter with an ending's first: the ending is what follows.
    forms = {REPEATS.sub(r"\1", form) for form in forms}
    return stem, {form[len(stem):] for form in forms if form.startswith(stem)} | {""}


@dataclass(frozen=True)
class Shape:
    """A term as the pattern holds it: each way its beginning is written (its first word's forms, then its other
    words up to the last one's stem, spaces kept), and the endings that stem may take."""

    beginnings: frozenset[str]
    endings: frozenset[str]


def shape_of(phrase: str) -> Shape | None:
    """How a term is written (see Shape); None for a term with no letters or digits."""
    words = normalise(phrase).split()
    if not words:
        return None
    last_stem, endings = forms_of(words[-1])
    if len(words) == 1:
        return Shape(frozenset({last_stem}), frozenset(endings))
    first_stem, first_endings = forms_of(words[0])
    rest = " ".join([*words[1:-1], last_stem])
    return Shape(frozenset(f"{first_stem}{ending} {rest}" for ending in first_endings), frozenset(endings))


def _letter(ch: str) -> str:
    return LOOK_ALIKES.get(ch, re.escape(ch))


def _tree_pattern(beginnings: set[str]) -> str:
    """One pattern for every term's beginnings, as a tree of shared letters ("died", "dies" share "die"), then
    the rest of the post's word (checked against the term's endings once found). Words of a term may be written
    together ("selfharm"); where two words meet on the same letter ("want to"), it may be written once."""
    tree: dict = {}
    for beginning in beginnings:
        node = tree
        for token in re.findall(r" ?[a-z0-9]", beginning):
            node = node.setdefault(token, {})
        node[""] = {}

    def pattern(node: dict, before: str) -> str:
        branches = []
        for token, child in sorted(node.items()):
            if not token:
                continue
            letter = token[-1]
            if token[0] != " ":
                written = _letter(letter)
            elif letter == before:
                written = f"(?: ?{_letter(letter)})?"
            else:
                written = " ?" + _letter(letter)
            branches.append(written + pattern(child, letter))
        if "" in node:  # after the longer branches, so the longest beginning wins
            branches.append("")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return pattern(tree, "")


@dataclass(frozen=True)
class Match:
    """A term found in a post, and the list it is on."""

    term: str
    list: str


class Matcher:
    """A service's terms compiled into one pattern."""

    def __init__(self, terms: tuple[tuple[str, str], ...]):
        # Each beginning (by its key) and the term it is of, with the endings its word may take.
        self.by_beginning: dict[str, tuple[Match, frozenset[str]]] = {}
        beginnings = set()
        for phrase, list_name in terms:
            shape = shape_of(phrase)
            for beginning in shape.beginnings if shape else ():
                beginnings.add(beginning)
                held = self.by_beginning.get(_key(beginning))
                match = Match(phrase, list_name) if held is None or list_name == "critical" else held[0]
                self.by_beginning[_key(beginning)] = (match, shape.endings | (held[1] if held else frozenset()))
        # A lookahead finds a term at every word start, so terms that overlap are all found ("everyone would be
        # better off" and "better off without me"); the second group is the rest of the post's word.
        self.pattern = re.compile(rf"(?<![a-z0-9])(?=({_tree_pattern(beginnings)})([a-z0-9]*))") \
            if beginnings else None

    def find(self, text: str) -> list[Match]:
        """Every term found in the text, critical ones first, each once."""
        if self.pattern is None:
            return []
        found = set()
        for m in self.pattern.finditer(normalise(as_displayed(text))):
            match, endings = self.by_beginning[_key(m.group(1))]
            if m.group(2) in endings or _key(m.group(2)) in endings:  # "diet" is not a form of "die"
                found.add(match)
        return sorted(found, key=lambda m: (m.list != "critical", m.term))


@lru_cache(maxsize=256)
def matcher(terms: tuple[tuple[str, str], ...]) -> Matcher:
    """The compiled matcher of a set of (phrase, list) terms, kept while the terms stay the same."""
    return Matcher(terms)
