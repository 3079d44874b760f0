"""Identifiers from the platform and typed by staff (pseudonyms, thread and post ids): one normal form, no
invisible characters, and a look-alike key.

A pseudonym is the key to a person's cases, their identity in the vault and their subject rights. "Wil​low"
with a zero-width space looks exactly like "Willow" but would be another key, so invisible characters are
refused: control and format characters (zero-width spaces, bidirectional overrides, BEL, ESC), every Unicode
default-ignorable code point (variation selectors, the combining grapheme joiner, Khmer inherent vowels, Hangul
fillers) and characters that draw nothing (the blank Braille pattern). What is left is put in Unicode's NFKC
form with its spaces collapsed, the same way wherever an identifier enters.

A name can still look like another without an invisible character: "Wіllow" with a Cyrillic і. Such names are
not refused (a platform may have both), but each has a look-alike key, the UTS #39 skeleton of its case-folded
form worked out by ICU's spoof checker, so "Willow" finds both and the queue marks a pseudonym that looks like
another poster's, or mixes alphabets the way a disguise does.
"""

import functools
import re
from collections import Counter
import unicodedata

import icu
from markupsafe import Markup, escape

# Control, format, private-use, surrogate and unassigned code points, and the line and paragraph separators.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
# Characters that draw nothing and are not default-ignorable: the blank Braille pattern (Hangul fillers are
# default-ignorable already, but named here too, as the review found them).
BLANK_CHARACTERS = frozenset({"\u2800", "\u115f", "\u1160", "\u3164", "\uffa0"})
_DEFAULT_IGNORABLE = icu.UProperty.DEFAULT_IGNORABLE_CODE_POINT
# Scripts every name may use alongside its own: digits, punctuation and combining marks.
_SHARED_SCRIPTS = frozenset({"Common", "Inherited"})


MARKER = Markup('<span class="invisible-char" title="An invisible character">[U+{:04X}]</span>')
FOREIGN = Markup('<mark class="foreign-letter">{}<span class="visually-hidden"> ({} letter)</span></mark>')


class IdentifierError(ValueError):
    """An identifier holding characters nobody can see; its message says which."""


def _invisible(ch: str) -> bool:
    return (unicodedata.category(ch) in INVISIBLE_CATEGORIES or ch in BLANK_CHARACTERS
            or icu.Char.hasBinaryProperty(ch, _DEFAULT_IGNORABLE))


def invisible_characters(text: str) -> list[str]:
    """The invisible characters in a text, as U+XXXX codes."""
    return [f"U+{ord(ch):04X}" for ch in text if _invisible(ch)]


def normalised(text: str) -> str:
    """The identifier in its one form (NFKC, spaces collapsed), or IdentifierError when it holds invisible
    characters."""
    hidden = invisible_characters(text)
    if hidden:
        raise IdentifierError(f"holds invisible characters ({', '.join(dict.fromkeys(hidden))}), so it could pass "
                              "for another one")
    return " ".join(unicodedata.normalize("NFKC", text).split())


def look_alike_key(identifier: str) -> str:
    """The key two identifiers share when they look alike (the UTS #39 skeleton of the case-folded identifier):
    "Willow", "willow", "Wіllow" with a Cyrillic і and "Wi11ow" all have the key of "willow"."""
    return _spoof_checker().getSkeleton(0, identifier.casefold())


def mixed_scripts(identifier: str) -> list[str]:
    """The alphabets an identifier mixes, when it mixes them as a disguise does ("Latin", "Cyrillic" for
    "Wіllow"), else nothing. Names in one alphabet, and the mixes a language writes (Japanese with Latin), pass:
    ICU's moderately restrictive level of UTS #39."""
    if not _spoof_checker().check(identifier) & icu.USpoofChecks.RESTRICTION_LEVEL:
        return []
    scripts = (icu.Script.getScript(ch).getName() for ch in identifier)
    return list(dict.fromkeys(name for name in scripts if name not in _SHARED_SCRIPTS))


def foreign_letters(identifier: str) -> dict[int, str]:
    """The letters (by position) of an identifier that mixes alphabets as a disguise does which are not of its main
    alphabet, with their alphabet's name: {1: "Cyrillic"} for "Wіllow"."""
    if not mixed_scripts(identifier):
        return {}
    scripts = [icu.Script.getScript(ch).getName() for ch in identifier]
    main, _ = Counter(name for name in scripts if name not in _SHARED_SCRIPTS).most_common(1)[0]
    return {at: name for at, name in enumerate(scripts) if name not in _SHARED_SCRIPTS and name != main}


def marked(identifier: str) -> Markup:
    """An identifier made safe for a page, each letter of another alphabet marked and named for a screen reader (two
    names that look alike on screen can then be told apart), and any invisible character (in one stored before it
    was refused) shown as a marked code."""
    foreign = foreign_letters(identifier)
    return Markup("").join(FOREIGN.format(ch, foreign[at]) if at in foreign else show_invisible(ch)
                           for at, ch in enumerate(identifier))


@functools.cache
def _spoof_checker() -> icu.SpoofChecker:
    """One checker a process: it is made from ICU's confusable data, and only read afterwards."""
    checker = icu.SpoofChecker()
    checker.setChecks(icu.USpoofChecks.RESTRICTION_LEVEL)
    checker.setRestrictionLevel(icu.URestrictionLevel.MODERATELY_RESTRICTIVE)
    return checker


def show_invisible(text: str) -> Markup:
    """Text made safe for a page with its invisible characters shown as marked codes (a right-to-left override
    in a post would otherwise reorder what the moderator reads). Line breaks and tabs stay as they are."""
    pieces, start = [], 0
    for at, ch in enumerate(text):
        if ch not in "\n\t" and unicodedata.category(ch) in INVISIBLE_CATEGORIES:
            pieces += [escape(text[start:at]), MARKER.format(ord(ch))]
            start = at + 1
    return Markup("").join([*pieces, escape(text[start:])])


LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # a proper pair is one character once decoded: never matched


def lone_surrogates(text: str) -> list[str]:
    """Halves of UTF-16 pairs standing alone in a text, as U+XXXX codes. JSON can carry one ("\\ud800") and Python
    keeps it, but it is no character: no database stores it, so it is refused where text comes in."""
    return [f"U+{ord(ch):04X}" for ch in LONE_SURROGATE.findall(text)]
