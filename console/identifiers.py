"""Identifiers from the platform and typed by staff (pseudonyms, thread and post ids): one normal form, no
invisible characters.

A pseudonym is the key to a person's cases, their identity in the vault and their subject rights. "Wil​low"
with a zero-width space looks exactly like "Willow" but would be another key, so invisible characters (control
and format characters: zero-width spaces, bidirectional overrides, BEL, ESC) are refused, and what is left is
put in Unicode's NFKC form with its spaces collapsed, the same way wherever an identifier enters.
"""

import re
import unicodedata

from markupsafe import Markup, escape

# Control, format, private-use, surrogate and unassigned code points, and the line and paragraph separators.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


MARKER = Markup('<span class="invisible-char" title="An invisible character">[U+{:04X}]</span>')


class IdentifierError(ValueError):
    """An identifier holding characters nobody can see; its message says which."""


def invisible_characters(text: str) -> list[str]:
    """The invisible characters in a text, as U+XXXX codes."""
    return [f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch) in INVISIBLE_CATEGORIES]


def normalised(text: str) -> str:
    """The identifier in its one form (NFKC, spaces collapsed), or IdentifierError when it holds invisible
    characters."""
    hidden = invisible_characters(text)
    if hidden:
        raise IdentifierError(f"holds invisible characters ({', '.join(dict.fromkeys(hidden))}), so it could pass "
                              "for another one")
    return " ".join(unicodedata.normalize("NFKC", text).split())


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
