"""The risk model: a second signal beside the word lists, reading a post's own words.

A linear model over the words of a post and their pairs (so "bought rope", "last post" and "ate an apple" weigh as
they were learnt), trained on the labelled posts the project ships (`console/queue/data/risk_corpus/`, see the data
card `console/queue/data/RISK_CORPUS.md`) by `console.queue.risk_training`. This module only reads a trained model
and applies it, in plain Python: the model is JSON (each feature's weight per level; nothing in it runs code when
loaded), read once per process.

A post's words are read in lower case, without accents or apostrophes ("don't" is "dont"), a letter repeated
three times or more read twice ("sooooo" is "soo"); digits stay digits ("2 years"). The word lists undo disguises
such as "k1ll" or "s u i c i d e" (console.queue.matching); the model reads words as people write them.

The model never decides alone and never lowers anything: the queue takes the higher of the lists' level and the
model's (console.platform.ingest), at the service's chosen sensitivity, and shows the words that weighed most.
"""

import json
import math
import re
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

FORMAT = 1
LEVELS = ("critical", "risk", "none")
SHIPPED = Path(__file__).with_name("data") / "risk_model.json"
WORD_GRAMS = (1, 2)  # words and pairs of words
# Letter runs inside each word (e.g. (3, 4, 5)): measured, and left out; they did no better on posts by writers the
# model had not seen, and made the model three times the size (docs/benchmarks.md, the risk model's variants).
CHAR_GRAMS: tuple[int, ...] = ()
# How readily the model raises a post: each setting is a pair of thresholds the training run chose on posts the
# model had not seen (see risk_training.SENSITIVITIES and STANDARD_CANDIDATES), so that it catches at least a share
# of critical posts.
SENSITIVITY_LABELS = {
    "sensitive": "More flags: catch more critical posts, at the cost of more ordinary posts raised",
    "standard": "Standard (the default)",
    "fewer": "Fewer flags: fewer ordinary posts raised, more critical posts left to the lists and to reading",
}
DEFAULT_SENSITIVITY = "standard"
# Words too common to explain anything on their own: never named as what weighed most.
PLAIN_WORDS = frozenset("a an the i im ive id ill me my and or but to of in on at it its is was be been am are so "
                        "that this for with just do dont did have has had you your we they he she him her them our "
                        "will would can could all not no".split())


APOSTROPHES = re.compile(r"['’‘`´]")
REPEATS = re.compile(r"(.)\1{2,}")
NOT_WORD = re.compile(r"[^\w]+|_")


def words_of(text: str) -> list[str]:
    """A post's words as the model reads them (see the module's docstring)."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return NOT_WORD.sub(" ", REPEATS.sub(r"\1\1", APOSTROPHES.sub("", plain.casefold()))).split()


def features(text: str, word_grams=WORD_GRAMS, char_grams=CHAR_GRAMS) -> Counter:
    """A post's features and how often each occurs: its words ("w:rope") and pairs of words ("w:bought rope"), and
    any letter runs of each word ("c:<rop", edges marked < and >). Training and scoring share this function, so they
    read a post alike."""
    words = words_of(text)
    counts: Counter = Counter()
    for n in word_grams:
        counts.update("w:" + " ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    for n in char_grams:
        for word in words:
            marked = f"<{word}>"
            counts.update("c:" + marked[i:i + n] for i in range(len(marked) - n + 1))
    return counts


def _words_in(feature: str) -> str:
    """The words a feature stands for in an explanation: "bought rope" for "w:bought rope", "rop" for "c:<rop"."""
    return feature[2:].strip("<>")


@dataclass(frozen=True)
class Verdict:
    """What the model makes of a post: its level ("critical", "risk" or "none") and the words that weighed most
    towards it (empty for "none")."""

    level: str
    words: tuple[str, ...]

    def as_json(self) -> dict | None:
        """How a post keeps it (None when the model does not raise the post)."""
        return None if self.level == "none" else {"level": self.level, "words": list(self.words)}


class RiskModel:
    """A trained model: each feature's inverse document frequency and weights per level, the levels' intercepts, the
    thresholds of each sensitivity, and the figures of the run that made it."""

    def __init__(self, data: dict, *, version: int | None = None):
        if data.get("format") != FORMAT or tuple(data.get("levels", ())) != LEVELS:
            raise ValueError("this is not a risk model this console can read")
        self.version = version  # None: the model shipped with the console; else its row in risk_model_versions
        self.weights: dict[str, list[float]] = data["features"]  # feature: [idf, critical, risk, none]
        self.intercepts: list[float] = data["intercepts"]
        self.thresholds: dict[str, dict[str, float]] = data["thresholds"]
        self.figures: dict = data.get("figures", {})
        self.trained_on: dict = data.get("trained_on", {})

    @classmethod
    def load(cls, path: Path | None = None) -> "RiskModel":
        """The model shipped with the console, or the one at `path`."""
        return cls(json.loads((path or SHIPPED).read_text(encoding="utf-8")))

    def probabilities(self, text: str) -> tuple[list[float], list[tuple[str, float, list[float]]]]:
        """The chance of each level, and each known feature's (words, value, weights) for explaining."""
        known = []
        weights_of = self.weights.get
        for feature, count in features(text).items():
            weights = weights_of(feature)
            if weights is not None:
                known.append((feature, (1 + math.log(count)) * weights[0] if count > 1 else weights[0], weights))
        norm = math.sqrt(sum(value * value for _, value, _ in known)) or 1.0
        critical, risk, none = self.intercepts
        for _, value, weights in known:
            share = value / norm
            critical += share * weights[1]
            risk += share * weights[2]
            none += share * weights[3]
        top = max(critical, risk, none)
        exps = [math.exp(critical - top), math.exp(risk - top), math.exp(none - top)]
        total = sum(exps)
        return [e / total for e in exps], [(_words_in(f), value / norm, weights) for f, value, weights in known]

    def verdict(self, text: str, sensitivity: str = DEFAULT_SENSITIVITY, *, explain: int = 3) -> Verdict:
        """The post's level at a sensitivity, and up to `explain` words or pairs that weighed most towards it."""
        chances, known = self.probabilities(text)
        limits = self.thresholds.get(sensitivity) or self.thresholds[DEFAULT_SENSITIVITY]
        if chances[0] >= limits["critical"]:
            level = 0
        elif chances[0] + chances[1] >= limits["risk"]:
            level = 1
        else:
            return Verdict("none", ())
        weighed = _weighed_most(known, level, explain)
        spelt = _spellings(text, {word for words in weighed for word in words.split()})
        return Verdict(LEVELS[level], tuple(" ".join(spelt.get(w, w) for w in words.split()) for words in weighed))


def _weighed_most(known, level: int, how_many: int) -> tuple[str, ...]:
    """The words and pairs of words that moved the post most towards `level` rather than "none": a word by its own
    weight (and its letter runs', if the model has them), a pair by its own and its two words'; the strongest
    first, none sharing a word with one named before, none made of plain words alone."""
    pull: dict[str, float] = {}
    for words, value, weights in known:
        towards = value * (weights[level + 1] - weights[3])
        if level == 1:  # a risk flag counts what points to critical too: both lie above "none"
            towards = max(towards, value * (weights[1] - weights[3]))
        pull[words] = pull.get(words, 0.0) + towards
    candidates = {words: weight + (sum(pull.get(part, 0.0) for part in words.split()) if " " in words else 0.0)
                  for words, weight in pull.items()}
    chosen: list[str] = []
    for words, weight in sorted(candidates.items(), key=lambda item: (-item[1], item[0])):
        if weight <= 0 or len(chosen) == how_many:
            break
        parts = set(words.split())
        if parts <= PLAIN_WORDS or any(parts & set(other.split()) for other in chosen):
            continue
        chosen.append(words)
    return tuple(chosen)


EDGES = re.compile(r"^\W+|\W+$")


def _spellings(text: str, needed: set[str]) -> dict[str, str]:
    """How the post spells the `needed` words as the model reads them ("im": "I'm"), where a word of the post is
    one word to the model; read until each is found."""
    spelt: dict[str, str] = {}
    for piece in text.split():
        if len(spelt) == len(needed):
            break
        piece = EDGES.sub("", piece)
        read = words_of(piece)
        if len(read) == 1 and read[0] in needed:
            spelt.setdefault(read[0], piece)
    return spelt


# --- The model in use ------------------------------------------------------------------------

_lock = threading.Lock()
_current: dict = {"model": None, "checked": 0.0}
RECHECK_SECONDS = 60  # how often a process asks whether a retrained model has replaced the one it holds


def current(active_version=None) -> RiskModel:
    """The model in use: the latest retrained one the trust accepted (`active_version`, a callable answering its
    (id, JSON) or None, asked at most once a minute) or else the one shipped with the console; loaded once per
    process and kept."""
    now = time.monotonic()
    with _lock:
        model = _current["model"]
        if model is not None and (active_version is None or now - _current["checked"] < RECHECK_SECONDS):
            return model
        _current["checked"] = now
        active = active_version() if active_version is not None else None
        if active is None:
            if model is None or model.version is not None:
                model = RiskModel.load()
        elif model is None or model.version != active[0]:
            model = RiskModel(json.loads(active[1]), version=active[0])
        _current["model"] = model
        return model


def forget() -> None:
    """Make the next `current()` look again at once (a retrained model was just accepted in this process)."""
    with _lock:
        _current["model"], _current["checked"] = None, 0.0
