"""Risk model benchmark: `python -m console.bench.risk` (figures go in docs/benchmarks.md).

1. Lists alone, the model alone (at each sensitivity) and both together (the higher of the two, as the queue
   takes them) on the held-out set and on the tests' sets 1-3.
2. The model's variants, compared by cross-validation on the training posts (each post scored by a model that never
   saw it), at the same catch of critical posts; then on the held-out set.
3. Size, loading, and time per post.
"""

import time

import numpy as np

from console.bench.words import DATA as TEST_SETS, level_of
from console.queue import risk_model, risk_training
from console.queue.lexicon import DEFAULT_TERMS
from console.queue.matching import Matcher


def _line(name: str, f: dict) -> str:
    return (f"| {name} | {f['critical_at_level']}/{f['critical']} ({f['critical_at_level'] / f['critical']:.0%}) | "
            f"{f['critical_flagged']}/{f['critical']} ({f['critical_flagged'] / f['critical']:.0%}) | "
            f"{f['critical_flagged'] + f['risk_flagged']}/{f['critical'] + f['risk']} "
            f"({(f['critical_flagged'] + f['risk_flagged']) / (f['critical'] + f['risk']):.0%}) | "
            f"{f['ordinary_flagged']}/{f['none']} ({f['ordinary_flagged'] / f['none']:.0%}) |")


def signals() -> None:
    lists = Matcher(tuple((phrase, name) for name, phrases in DEFAULT_TERMS.items() for phrase in phrases))
    model = risk_model.RiskModel.load()
    sets = [("held-out (395)", risk_training.labelled(risk_training.HELD_OUT))]
    sets += [(path.stem, risk_training.labelled(path)) for path in sorted(TEST_SETS.glob("labelled_posts*.tsv"))]
    print("| Set, signal | Critical at its level | Critical flagged | Critical and risk flagged | Ordinary flagged |")
    print("|---|---|---|---|---|")
    for name, rows in sets:
        print(_line(f"{name}: lists alone", risk_training.evaluate(None, rows, "", lambda t: level_of(lists, t))))
        for sensitivity in risk_model.SENSITIVITY_LABELS:
            print(_line(f"{name}: model alone, {sensitivity}", risk_training.evaluate(model, rows, sensitivity)))
        print(_line(f"{name}: both (standard)",
                    risk_training.evaluate(model, rows, "standard", lambda t: level_of(lists, t))))


def variants() -> None:
    """Cross-validated: ordinary posts flagged when the thresholds catch 85 % of critical posts as critical and
    90 % of critical and risk posts at all."""
    rows = risk_training.corpus()
    texts, levels = [t for t, _ in rows], [level for _, level in rows]
    labels = np.array(levels)
    for name, word_grams, char_grams, regularisation in [
            ("words and pairs, C=10 (shipped)", (1, 2), (), 10.0),
            ("words, pairs and triples, C=10", (1, 2, 3), (), 10.0),
            ("words and pairs and letter runs 3-5, C=10", (1, 2), (3, 4, 5), 10.0),
            ("words and pairs, C=1", (1, 2), (), 1.0)]:
        risk_model.WORD_GRAMS, risk_model.CHAR_GRAMS = word_grams, char_grams
        began = time.perf_counter()
        chances = risk_training.cross_validated(texts, levels, regularisation)
        limits = risk_training.thresholds(chances, levels, {"x": (0.85, 0.9)})["x"]
        critical = chances[:, 0] >= limits["critical"]
        flagged = critical | (chances[:, 0] + chances[:, 1] >= limits["risk"])
        print(f"{name}: ordinary flagged {flagged[labels == 'none'].mean():.1%}, critical flagged "
              f"{flagged[labels == 'critical'].mean():.1%} ({time.perf_counter() - began:.0f} s)")
    risk_model.WORD_GRAMS, risk_model.CHAR_GRAMS = (1, 2), ()


def speed() -> None:
    began = time.perf_counter()
    model = risk_model.RiskModel.load()
    loaded = time.perf_counter() - began
    texts = [t for t, _ in risk_training.labelled(risk_training.HELD_OUT)]
    long = " ".join(texts[:20])  # about 300 words
    began = time.perf_counter()
    for text in texts * 5:
        model.verdict(text)
    each = (time.perf_counter() - began) / (len(texts) * 5) * 1000
    began = time.perf_counter()
    for _ in range(100):
        model.verdict(long)
    print(f"model {risk_model.SHIPPED.stat().st_size / 1e6:.2f} MB, {len(model.weights):,} features, loaded in "
          f"{loaded * 1000:.0f} ms; a held-out post {each:.3f} ms, a {len(long.split())}-word post "
          f"{(time.perf_counter() - began) * 10:.3f} ms")


if __name__ == "__main__":
    import sys
    if "--variants-only" not in sys.argv:
        speed()
        signals()
    variants()
