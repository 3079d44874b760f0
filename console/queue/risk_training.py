"""Training the risk model (console.queue.risk_model) from labelled posts, with scikit-learn, and measuring it.

    flask risk-model build        # the shipped model, from the shipped corpus: console/queue/data/risk_model.json

The corpus is the project's own (`data/risk_corpus/*.tsv`, see `data/RISK_CORPUS.md`); the held-out set
(`data/risk_held_out.tsv`) was written before any training and is only ever measured on, never trained on. The
same data make the same bytes: the folds are fixed, the solver is deterministic, weights are rounded and written
in sorted order.

How a model is made:
1. Each post's features (risk_model.features) weighted by tf-idf (counts damped by a logarithm, rare features
   weighing more, each post's vector of length 1); features seen in fewer than 2 posts are dropped.
2. A multinomial logistic regression over the three levels.
3. The thresholds of each sensitivity, chosen on cross-validated predictions over the training posts (each post
   scored by a model that never saw it): the strictest thresholds that still catch the sensitivity's share of
   critical posts as critical, and of critical and risk posts as flagged at all. The default's shares are the
   strictest of a few that keeps 90 % of the held-out critical posts flagged (STANDARD_CANDIDATES).
4. The figures on the held-out set at each sensitivity, kept in the model so the settings page can say what it
   catches and misses.
"""

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from console.queue import risk_model
from console.queue.risk_model import FORMAT, LEVELS, RiskModel, features

DATA = Path(__file__).with_name("data")
CORPUS = DATA / "risk_corpus"
HELD_OUT = DATA / "risk_held_out.tsv"
# Sensitivity: the share of critical posts to catch as critical, and of critical and risk posts to flag at all, on
# cross-validated predictions over the training posts; the standard one is chosen from STANDARD_CANDIDATES.
SENSITIVITIES = {"sensitive": (0.9, 0.94), "fewer": (0.7, 0.75)}
# The standard (default) sensitivity is the first of these, strictest first, that flags at least STANDARD_FLOOR of
# the held-out critical posts, as issue 32 asks ("default from the held-out set: critical recall at least 0.9
# there"), and, when retraining, at least as many as the model in use does, at all and as critical: the catch on
# the training posts' cross-validation is raised a point at a time until the held-out set shows it. This fits the
# default to the held-out set, so its held-out figures flatter it a little (docs/benchmarks.md says so). With none
# reaching it, the last is taken (and retraining refuses the model).
STANDARD_CANDIDATES = tuple((share / 100, min(0.99, share / 100 + 0.05)) for share in range(80, 98))
STANDARD_FLOOR = 0.9
REGULARISATION = 10.0  # logistic regression's C, chosen by cross-validation (docs/benchmarks.md)
FOLDS = 5


def labelled(path: Path) -> list[tuple[str, str]]:
    """The (text, level) rows of a labelled TSV file: a header `level<TAB>kind<TAB>text`, or the tests' older
    `label<TAB>text` rows; lines starting with # are comments."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("level\t"):
            continue
        fields = line.split("\t")
        level, text = fields[0].strip(), fields[-1].strip()
        if level not in LEVELS:
            raise ValueError(f"{path.name}: {level!r} is not a level ({', '.join(LEVELS)})")
        rows.append((text, level))
    return rows


def corpus() -> list[tuple[str, str]]:
    """The shipped training posts, every part in file order."""
    return [row for part in sorted(CORPUS.glob("*.tsv")) for row in labelled(part)]


def _analyse(text: str) -> list[str]:
    # The module's settings read at each call, so the benchmark can compare variants (console.bench.risk).
    return list(features(text, risk_model.WORD_GRAMS, risk_model.CHAR_GRAMS).elements())


def _fit(texts: list[str], levels: list[str], regularisation: float = REGULARISATION):
    # One thread: sums in a fixed order, so the same data make the same weights whatever the machine's thread
    # settings (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS); training takes seconds either way.
    with threadpool_limits(limits=1):
        return _fit_in_one_thread(texts, levels, regularisation)


def _fit_in_one_thread(texts: list[str], levels: list[str], regularisation: float):
    vectoriser = TfidfVectorizer(analyzer=_analyse, sublinear_tf=True, min_df=2, dtype=np.float64)
    matrix = vectoriser.fit_transform(texts)
    target = np.array([LEVELS.index(level) for level in levels])
    model = LogisticRegression(C=regularisation, max_iter=3000, tol=1e-4)
    model.fit(matrix, target)
    return vectoriser, model


def _chances(vectoriser, model, texts: list[str]) -> np.ndarray:
    """Each text's chance of each level in LEVELS order."""
    found = model.predict_proba(vectoriser.transform(texts))
    return found[:, np.argsort(model.classes_)]


def cross_validated(texts: list[str], levels: list[str], regularisation: float = REGULARISATION) -> np.ndarray:
    """Each post's chances from a model trained on the other folds."""
    chances = np.zeros((len(texts), 3))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    for train, test in folds.split(texts, levels):
        vectoriser, model = _fit([texts[i] for i in train], [levels[i] for i in train], regularisation)
        chances[test] = _chances(vectoriser, model, [texts[i] for i in test])
    return chances


def _strictest(scores: np.ndarray, share: float) -> float:
    """The highest threshold that at least `share` of `scores` reach."""
    if len(scores) == 0:
        return 0.5
    ordered = np.sort(scores)[::-1]
    return float(ordered[max(0, int(np.ceil(share * len(ordered))) - 1)])


def thresholds(chances: np.ndarray, levels: list[str], shares: dict | None = None) -> dict[str, dict[str, float]]:
    """Each sensitivity's thresholds (`shares`, by default SENSITIVITIES), rounded down a little so a rounded weight
    cannot move a post across."""
    labels = np.array(levels)
    critical, at_risk = chances[labels == "critical"], chances[np.isin(labels, ("critical", "risk"))]
    chosen = {}
    for name, (critical_share, flagged_share) in (shares or SENSITIVITIES).items():
        critical_limit = _strictest(critical[:, 0], critical_share)
        # A post already critical is flagged; the risk threshold is for the rest.
        rest = at_risk[at_risk[:, 0] < critical_limit]
        needed = max(0.0, flagged_share * len(at_risk) - (len(at_risk) - len(rest)))
        risk_limit = _strictest(rest[:, 0] + rest[:, 1], needed / len(rest)) if len(rest) and needed else 1.0
        chosen[name] = {"critical": _rounded_down(critical_limit), "risk": _rounded_down(risk_limit)}
    return chosen


def _rounded_down(value: float) -> float:
    return float(np.floor(value * 10_000) / 10_000)


def _significant(value: float) -> float:
    return float(f"{value:.6g}")


def train(extra: Iterable[tuple[str, str]] = (), *, regularisation: float = REGULARISATION,
          trained_on: dict | None = None, at_least: dict | None = None) -> dict:
    """A model (its JSON form) from the shipped corpus and `extra` (text, level) rows, with its thresholds and its
    figures on the held-out set; `at_least`: the held-out figures of the model in use, which the default
    sensitivity should match in critical posts flagged (see STANDARD_CANDIDATES)."""
    rows = corpus() + list(extra)
    texts, levels = [text for text, _ in rows], [level for _, level in rows]
    chances = cross_validated(texts, levels, regularisation)
    limits = thresholds(chances, levels)
    vectoriser, model = _fit(texts, levels, regularisation)
    order = np.argsort(model.classes_)
    coefficients, intercepts = model.coef_[order], model.intercept_[order]
    weights = {feature: [_significant(vectoriser.idf_[column])] +
                        [_significant(coefficients[level, column]) for level in range(3)]
               for feature, column in vectoriser.vocabulary_.items()}
    data = {"format": FORMAT, "levels": list(LEVELS), "intercepts": [_significant(b) for b in intercepts],
            "thresholds": limits, "features": weights,
            "trained_on": trained_on or {"corpus_posts": len(rows), **Counter(levels)}}
    held_out = labelled(HELD_OUT)
    candidates = thresholds(chances, levels, dict(enumerate(STANDARD_CANDIDATES)))
    for number, share in enumerate(STANDARD_CANDIDATES):
        data["thresholds"]["standard"], data["standard_shares"] = candidates[number], list(share)
        figures = evaluate(RiskModel(data), held_out, "standard")
        if figures["critical_flagged"] >= STANDARD_FLOOR * figures["critical"] and (at_least is None or (
                figures["critical_flagged"] >= at_least["critical_flagged"]
                and figures["critical_at_level"] >= at_least["critical_at_level"])):
            break
    data["figures"] = {"held_out": {name: evaluate(RiskModel(data), held_out, name)
                                    for name in risk_model.SENSITIVITY_LABELS}}
    return data


def as_bytes(data: dict) -> bytes:
    """The model as stored: JSON, keys sorted, so the same model is the same bytes."""
    return (json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def build(path: Path | None = None) -> Path:
    """Train the shipped model from the shipped corpus and write it."""
    path = path or DATA / "risk_model.json"
    path.write_bytes(as_bytes(train()))
    return path


def evaluate(model: RiskModel, rows: list[tuple[str, str]], sensitivity: str, lists=None) -> dict:
    """How a signal does on labelled posts: the model at a sensitivity, or the lists (`lists`: a function from text
    to level), or both together (the higher of the two) when `lists` is given and `model` is not None."""
    found = Counter()
    for text, level in rows:
        verdicts = []
        if model is not None:
            verdicts.append(model.verdict(text, sensitivity, explain=0).level)
        if lists is not None:
            verdicts.append(lists(text))
        flagged = min(verdicts, key=LEVELS.index)
        found[(level, flagged)] += 1
    return figures(found)


def figures(found: Counter) -> dict:
    """Counts of (label, flagged) into the figures the table shows: per level, how many there were, how many
    were flagged at their level (or above) and at all, and how many flagged at each level were right."""
    total = Counter()
    for (label, _), count in found.items():
        total[label] += count
    critical_at_level = found[("critical", "critical")]
    critical_flagged = critical_at_level + found[("critical", "risk")]
    risk_flagged = found[("risk", "risk")] + found[("risk", "critical")]
    flagged_critical = sum(count for (_, flagged), count in found.items() if flagged == "critical")
    flagged_any = sum(count for (_, flagged), count in found.items() if flagged != "none")
    ordinary_flagged = total["none"] - found[("none", "none")]
    return {"critical": total["critical"], "risk": total["risk"], "none": total["none"],
            "critical_at_level": critical_at_level, "critical_flagged": critical_flagged,
            "risk_flagged": risk_flagged, "ordinary_flagged": ordinary_flagged,
            "flagged_critical": flagged_critical, "flagged_critical_right": critical_at_level,
            "flagged_any": flagged_any, "flagged_any_right": flagged_any - ordinary_flagged}
