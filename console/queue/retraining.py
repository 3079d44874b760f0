"""Retraining the risk model with the trust's own decisions: `flask risk-model train --include-service-decisions`.

The trust's posts join the shipped corpus with the label its moderators gave them:
- a moderator's mark on the post, the latest one: "the flag was wrong" is ordinary, "should have been critical"
  or "... a risk" that level;
- otherwise what was decided: escalated is critical; hidden while flagged is the level it was flagged at; approved
  while not flagged is ordinary (a flagged post approved says nothing sure about its words, and is left out).
The most recent posts of each kind are taken, up to a limit, so a busy service's ordinary posts do not drown the
rest.

The new model's default thresholds are the strictest of a few candidates that flag as many held-out critical posts
as the model in use does (console.queue.risk_training.STANDARD_CANDIDATES); it replaces the one in use only if, at
those, it flags at least as many of the held-out critical posts (at all, and as critical) and raises at most 5 in
100 more of its ordinary posts (see `judged`): whatever the trust's decisions taught it, it may not catch fewer,
and what it costs to catch as many is measured. Either way the run is kept
(console.queue.models.RiskModelVersion) with its figures, and audited. Post bodies stay in the console's database:
the model is kept there too, never written to a file.
"""

from collections import Counter

import sqlalchemy as sa

from console.audit import service as audit
from console.extensions import db
from console.queue import risk_model, risk_signals, risk_training
from console.queue.models import Post, Priority, RiskMark, RiskModelVersion

PER_KIND = 2_000  # the most recent posts of each kind of decision taken
FLAGGED_LEVEL = {Priority.CRITICAL.value: "critical", Priority.RISK.value: "risk"}


def service_decisions(per_kind: int = PER_KIND) -> list[tuple[str, str, str]]:
    """The trust's decided posts as (text, level, where the label came from)."""
    marked: dict[int, str] = {}
    for post_id, verdict in db.session.execute(sa.select(RiskMark.post_id, RiskMark.verdict)
                                               .order_by(RiskMark.marked_at, RiskMark.id)):
        marked[post_id] = verdict  # the latest mark on a post stands
    rows: list[tuple[str, str, str]] = []
    for post_id, body in _bodies(list(marked)[-per_kind * 2:]):
        rows.append((body, "none" if marked[post_id] == "wrong" else marked[post_id], "mark"))
    kinds = {"escalated": Post.state == "escalated",
             "hidden while flagged": sa.and_(Post.state == "hidden", Post.priority != Priority.NORMAL.value),
             "approved, not flagged": sa.and_(Post.state == "approved", Post.priority == Priority.NORMAL.value)}
    for source, condition in kinds.items():
        query = (sa.select(Post.body, Post.priority).where(condition, Post.id.not_in(marked) if marked else sa.true())
                 .order_by(Post.id.desc()).limit(per_kind))
        for body, priority in db.session.execute(query):
            level = "critical" if source == "escalated" else FLAGGED_LEVEL.get(priority, "none")
            rows.append((body, level, source))
    return rows


def _bodies(post_ids: list[int]):
    for start in range(0, len(post_ids), 500):
        yield from db.session.execute(sa.select(Post.id, Post.body).where(Post.id.in_(post_ids[start:start + 500])))


MORE_ORDINARY = 0.05  # a new model may raise at most this share more of the held-out ordinary posts


def judged(in_use: dict, new: dict) -> tuple[bool, str]:
    """Whether a new model may replace the one in use, by their figures on the held-out set at the standard
    sensitivity, and why in words: it must flag no fewer critical posts, at all and as critical, and raise at most
    5 in 100 more ordinary posts (decisions that teach it to flag everything would otherwise pass)."""
    def share(figures):
        return figures["ordinary_flagged"] / figures["none"]
    compared = (f"of {new['critical']} held-out critical posts it flagged {new['critical_flagged']} "
                f"({new['critical_at_level']} as critical), the model in use {in_use['critical_flagged']} "
                f"({in_use['critical_at_level']}); it raised {share(new):.0%} of ordinary posts, the model in use "
                f"{share(in_use):.0%}")
    if new["critical_flagged"] < in_use["critical_flagged"] or new["critical_at_level"] < in_use["critical_at_level"]:
        return False, f"kept the model in use, as the new one would catch fewer critical posts: {compared}."
    if share(new) > share(in_use) + MORE_ORDINARY:
        return False, f"kept the model in use, as the new one would raise many more ordinary posts: {compared}."
    return True, f"now in use: {compared}."


def retrain(*, include_service_decisions: bool, per_kind: int = PER_KIND) -> RiskModelVersion:
    """Train a model on the shipped corpus (and the trust's decided posts), measure it on the held-out set against
    the model in use, keep it if it catches no fewer critical posts there at little more cost in ordinary posts
    (`judged`), and record the run."""
    decided = service_decisions(per_kind) if include_service_decisions else []
    by_source = Counter(source for _, _, source in decided)
    shipped = risk_training.corpus()
    trained_on = {"corpus_posts": len(shipped), "service_posts": len(decided),
                  "service_levels": dict(Counter(level for _, level, _ in decided)), "service_sources": dict(by_source)}
    held_out = risk_training.labelled(risk_training.HELD_OUT)
    before = risk_training.evaluate(risk_signals.model(), held_out, risk_model.DEFAULT_SENSITIVITY)
    data = risk_training.train([(text, level) for text, level, _ in decided], trained_on=trained_on,
                               at_least=before)
    after = data["figures"]["held_out"][risk_model.DEFAULT_SENSITIVITY]
    accepted, why = judged(before, after)
    outcome = f"Retrained with {len(decided):,} of the trust's decided posts: {why}"
    run = RiskModelVersion(accepted=accepted, trained_on=trained_on, figures={"new": after, "in_use": before},
                           outcome=outcome, model=risk_training.as_bytes(data).decode() if accepted else None)
    db.session.add(run)
    db.session.flush()
    audit.record("risk_model.retrained" if accepted else "risk_model.retrain_refused", target="the risk model",
                 details={"outcome": outcome, "figures": {"new": after, "in_use": before}})
    db.session.commit()
    if accepted:
        risk_model.forget()
    return run
