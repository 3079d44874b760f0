"""Risk-word benchmark: `python -m console.bench.words` (figures go in docs/benchmarks.md).

1. How well the default lists (console.queue.lexicon) flag the labelled posts in tests/console/queue/data: for each
   set, the at-risk posts flagged at their level and at any level, and the ordinary posts flagged (false
   positives). Each file says how it was used: the first was written alongside the lists, the others after.
2. How long matching takes: compiling a service's lists and matching a one-line and a 300-word post, with the
   default lists and with 5,000 terms.
"""

import random
import string
import time
from collections import Counter
from pathlib import Path

from console.queue.lexicon import DEFAULT_TERMS
from console.queue.matching import Matcher

DATA = Path(__file__).resolve().parents[2] / "tests" / "console" / "queue" / "data"
LEVELS = ("critical", "risk", "none")


def labelled(path: Path) -> list[tuple[str, str]]:
    """The (label, text) rows of a labelled file (tab-separated; lines starting with # are comments)."""
    rows = [line.rstrip("\n").split("\t", 1) for line in path.read_text().splitlines() if not line.startswith("#")]
    return [(label, text) for label, text in rows]


def level_of(matcher: Matcher, text: str) -> str:
    """What the queue makes of a post: critical, risk or none."""
    lists = {match.list for match in matcher.find(text)}
    return "critical" if "critical" in lists else "risk" if lists else "none"


def scores(matcher: Matcher, rows: list[tuple[str, str]]) -> dict[str, str]:
    """Recall at the post's level and at any level, and false positives, in words."""
    tally = Counter((label, level_of(matcher, text)) for label, text in rows)
    total = Counter(label for label, _ in rows)
    figures = {}
    for level in ("critical", "risk"):
        exact, flagged = tally[(level, level)], tally[(level, level)] + tally[(level, "critical" if level == "risk"
                                                                                 else "risk")]
        figures[level] = (f"{exact}/{total[level]} ({exact / total[level]:.0%}) at its level, "
                          f"{flagged}/{total[level]} ({flagged / total[level]:.0%}) flagged")
    wrong = total["none"] - tally[("none", "none")]
    figures["false positives"] = f"{wrong}/{total['none']} ({wrong / total['none']:.0%})"
    return figures


def _timed(work, repeat: int = 20) -> float:
    began = time.perf_counter()
    for _ in range(repeat):
        work()
    return (time.perf_counter() - began) / repeat * 1000


def main() -> None:
    """Print recall and false positives per labelled set, then matching times."""
    defaults = tuple((phrase, name) for name, phrases in DEFAULT_TERMS.items() for phrase in phrases)
    matcher = Matcher(defaults)
    for path in sorted(DATA.glob("labelled_posts*.tsv")):
        rows = labelled(path)
        print(f"{path.name} ({len(rows)} posts):")
        for name, figure in scores(matcher, rows).items():
            print(f"  {name}: {figure}")
    rng = random.Random(1)
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9))) for _ in range(6000)]
    many = tuple((" ".join(rng.sample(words, rng.choice((1, 1, 2)))), rng.choice(("critical", "risk")))
                 for _ in range(5000))
    short, long = "I had a long day and I feel a bit low", " ".join(rng.choice(words) for _ in range(300))
    for label, terms in ((f"default lists ({len(defaults)} terms)", defaults), ("5,000 terms", many)):
        began = time.perf_counter()
        compiled = Matcher(terms)
        compile_ms = (time.perf_counter() - began) * 1000
        print(f"{label}: compile {compile_ms:.0f} ms, one-line post {_timed(lambda: compiled.find(short)):.2f} ms, "
              f"300-word post {_timed(lambda: compiled.find(long)):.2f} ms")


if __name__ == "__main__":
    main()
