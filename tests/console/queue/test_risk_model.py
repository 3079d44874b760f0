"""The risk model beside the word lists: it raises posts the lists miss and never lowers one they flagged, says which
words weighed most, takes moderators' marks, and a retraining that would catch fewer critical posts is refused."""

import hashlib
import json

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from console.audit.models import AuditEntry
from console import demo
from console.extensions import db
from console.permissions import Role
from console.platform.ingest import _flagged, ingest
from console.queue import retraining, risk_model, risk_signals, risk_training, work
from console.queue.lexicon import DEFAULT_TERMS
from console.queue.matching import Matcher
from console.queue.models import Action, Post, Priority, RiskMark
from console.services.models import Service
from tests.factories import item, person, post_json
from tests.helpers import run_queued_tasks, text_of

CHLOE = Role.NON_CLINICAL_MODERATOR  # works the demo low-risk service
ROPE = "I have bought rope and tied it in the garage"  # no word of it is on a list
LEVEL = {Priority.CRITICAL: "critical", Priority.RISK: "risk", Priority.NORMAL: "none"}


@pytest.fixture(autouse=True)
def shipped_model():
    """Each test starts from the model shipped with the console (a retrained one is kept in the test's database)."""
    risk_model.forget()
    yield
    risk_model.forget()


def test_a_post_the_lists_miss_is_raised_to_critical_alerts_the_mailbox_and_says_why(app, client, auth, demo_data,
                                                                                      smtp_server):
    made = post_json(client, item("m-1", body=ROPE))
    assert made.get_json()["priority"] == "critical"
    assert run_queued_tasks(app) == 1
    email = text_of(smtp_server.last_to("demo-moderation@demo-trust.example.org"))
    assert "was rated critical by the risk model" in email and "rope" not in email

    auth.login_demo(CHLOE)
    page = client.get(f"/queue/items/{made.get_json()['id']}").get_data(as_text=True)
    why = page[page.index('id="why-flagged"'):page.index('<blockquote class="post-body">')]
    assert "the risk model, which rated it critical:" in why and "\u2018rope" in why and "weighed most" in why
    assert "on the critical list" not in why  # no list term matched: the model alone raised it


def test_the_model_never_lowers_what_the_lists_flagged(app, client, demo_data):
    listed = post_json(client, item("l-1", body="suicide prevention day is next week, any events near Reading?"))
    assert listed.get_json()["priority"] == "critical"  # the list's word, though the model reads it as ordinary
    with app.app_context():
        post = db.session.get(Post, listed.get_json()["id"])
        assert post.model_flag is None and post.matched == [{"term": "suicide", "list": "critical"}]


def test_a_model_that_cannot_be_read_never_stops_a_post_coming_in(app, client, demo_data, tmp_path, monkeypatch,
                                                                  caplog):
    broken = tmp_path / "risk_model.json"
    broken.write_text('{"format": 1, "levels": ["critical", "risk", "none"], "features": {')  # cut short
    monkeypatch.setattr(risk_model, "SHIPPED", broken)
    risk_model.forget()
    made = post_json(client, item("b-1", body="I want to kill myself tonight"))
    assert made.status_code == 201 and made.get_json()["priority"] == "critical"  # the list's word still counts
    assert "the risk model could not be read" in caplog.text and "kill myself" not in caplog.text
    with app.app_context():
        assert db.session.get(Post, made.get_json()["id"]).model_flag is None


LISTS = Matcher(tuple((phrase, name) for name, phrases in DEFAULT_TERMS.items() for phrase in phrases))
WRITTEN = [text for text, _ in risk_training.labelled(risk_training.HELD_OUT)]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(WRITTEN), st.sampled_from(WRITTEN), st.sampled_from(sorted(risk_model.SENSITIVITY_LABELS)))
def test_a_posts_priority_is_the_higher_of_the_lists_and_the_model_at_any_sensitivity(first, second, sensitivity):
    text = f"{first} {second}"
    shipped = risk_model.RiskModel.load()
    priority, matched, model_flag = _flagged(LISTS.find, lambda body: shipped.verdict(body, sensitivity), text)
    by_lists = {m["list"] for m in matched}
    by_model = shipped.verdict(text, sensitivity).level
    expected = "critical" if "critical" in by_lists or by_model == "critical" else \
        "risk" if by_lists or by_model == "risk" else "none"
    assert LEVEL[priority] == expected
    assert (model_flag or {}).get("level", "none") == by_model


def test_the_explanation_names_the_words_that_weighed_most():
    shipped = risk_model.RiskModel.load()
    verdict = shipped.verdict("this will be my last post, thank you all for everything")
    assert verdict.level == "critical"
    assert {"thank you", "my last"} <= set(verdict.words)
    assert risk_signals.explanation(verdict.words).endswith("weighed most")
    assert shipped.verdict("what a lovely walk by the river with the dog").level == "none"


def test_the_shipped_model_is_built_from_the_shipped_data_byte_for_byte(tmp_path):
    """One command makes it, deterministically: the file in the repository is what `flask risk-model build` makes."""
    built = risk_training.build(tmp_path / "risk_model.json")
    digest = [hashlib.sha256(path.read_bytes()).hexdigest() for path in (built, risk_model.SHIPPED)]
    assert digest[0] == digest[1], "the shipped model is not what `flask risk-model build` makes: build it again"
    data = json.loads(built.read_text())
    assert built.stat().st_size < 10_000_000 and data["format"] == risk_model.FORMAT
    standard = data["figures"]["held_out"]["standard"]
    assert standard["critical_flagged"] / standard["critical"] >= 0.9  # the default keeps the floor


def test_a_moderator_marks_a_flag_and_the_service_settings_list_it(app, client, auth, demo_data):
    made = post_json(client, item("k-1", body=ROPE)).get_json()["id"]
    ordinary = post_json(client, item("k-2", body="Lovely walk by the river today")).get_json()["id"]
    auth.login_demo(CHLOE)
    page = f"/queue/items/{made}"
    shown = client.get(page).get_data(as_text=True)
    assert "Flag was wrong: an ordinary post" in shown and "Should have been critical" not in shown
    done = auth.post(f"{page}/mark/wrong", {}, form_page=page, follow_redirects=True).get_data(as_text=True)
    assert "Marked by Chloe Davies: the flag was wrong: an ordinary post" in done
    assert "Flag was wrong: an ordinary post" not in done  # her mark is given: the button is not offered again
    assert auth.post(f"/queue/items/{ordinary}/mark/critical", {}, form_page=f"/queue/items/{ordinary}")\
        .status_code == 302
    refused = auth.post(f"/queue/items/{ordinary}/mark/wrong", {}, form_page=f"/queue/items/{ordinary}",
                        follow_redirects=True).get_data(as_text=True)
    assert "That mark does not fit this post as it stands" in refused
    with app.app_context():
        marks = db.session.execute(sa.select(RiskMark.post_id, RiskMark.verdict).order_by(RiskMark.id)).all()
        assert [tuple(m) for m in marks] == [(made, "wrong"), (ordinary, "critical")]
        assert db.session.get(Post, made).priority == Priority.CRITICAL  # a mark changes nothing in the queue
        service_id = db.session.get(Post, made).service_id

    auth.logout()
    auth.login_demo(Role.OWNER)
    settings_page = client.get(f"/queue/services/{service_id}/settings").get_data(as_text=True)
    recent = settings_page[settings_page.index('id="recent-marks"'):]
    assert "Chloe Davies marked" in recent and "the flag was wrong: an ordinary post" in recent
    assert "should have been flagged critical" in recent
    assert "posts written before it was trained and never used to train it, it flagged" in settings_page


def test_a_moderator_of_another_service_cannot_mark_its_posts(app, client, auth, demo_data):
    made = post_json(client, item("o-1", body=ROPE)).get_json()["id"]
    ben = next(p for p in demo.PEOPLE if p.name == "Ben Walker")  # works Eating disorders and Carers only
    auth.login(ben.email)
    assert auth.post(f"/queue/items/{made}/mark/wrong", {}, form_page="/queue/").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskMark)) == 0


def test_an_administrator_sets_a_services_sensitivity_and_it_is_audited(app, client, auth, demo_data):
    with app.app_context():
        service_id = db.session.scalar(sa.select(Post.service_id).limit(1)) or 1
    auth.login_demo(Role.OWNER)
    page = f"/queue/services/{service_id}/settings"
    assert auth.post(f"/queue/services/{service_id}/risk-model", {"sensitivity": "loud"}, form_page=page)\
        .status_code == 400
    assert auth.post(f"/queue/services/{service_id}/risk-model", {"sensitivity": "sensitive"}, form_page=page)\
        .status_code == 302
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "risk_model.sensitivity_set"))
        assert entry.details == {"sensitivity": "More flags"}


HELD_OUT = {"critical": 107, "risk": 107, "none": 181, "critical_flagged": 98, "critical_at_level": 90,
            "ordinary_flagged": 10}


@pytest.mark.parametrize("change, said", [
    ({"critical_flagged": 97}, "would catch fewer critical posts"),
    ({"critical_at_level": 89}, "would catch fewer critical posts"),
    ({"ordinary_flagged": 20}, "would raise many more ordinary posts"),
    ({"ordinary_flagged": 19, "critical_flagged": 99}, "now in use"),
])
def test_a_new_model_replaces_the_one_in_use_only_if_it_catches_as_many_critical_posts(change, said):
    accepted, why = retraining.judged(HELD_OUT, {**HELD_OUT, **change})
    assert accepted == (said == "now in use") and said in why
    assert "of 107 held-out critical posts it flagged" in why


def test_a_retraining_taught_to_raise_everything_is_refused_and_one_with_approved_posts_is_kept(app, demo_data,
                                                                                                 monkeypatch):
    """A mass of mistaken marks (critical posts marked as wrong flags, ordinary ones as "should have been
    critical") teaches the model to raise far more ordinary posts (its thresholds follow what it was taught):
    refused, audited, and the model in use stays. Ordinary posts approved are taken, and the new model is in use
    from then on. (Thresholds from 3 folds of cross-validation rather than 5, to keep the suite quick.)"""
    monkeypatch.setattr(risk_training, "FOLDS", 3)
    shipped = risk_training.corpus()
    critical = [text for text, level in shipped if level == "critical"][:400]
    ordinary = [text for text, level in shipped if level == "none"]
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.slug == "demo-low"))
        marker = person(CHLOE).id
        wrong = ingest(service, [item(f"taught-{i}", body=text) for i, text in enumerate(critical)])
        missed = ingest(service, [item(f"missed-{i}", body=text) for i, text in enumerate(ordinary[-400:])])
        db.session.add_all([RiskMark(post_id=s.post_id, service_id=service.id, verdict="wrong", marked_by_id=marker)
                            for s in wrong] +
                           [RiskMark(post_id=s.post_id, service_id=service.id, verdict="critical",
                                     marked_by_id=marker) for s in missed])
        db.session.commit()
        refused = retraining.retrain(include_service_decisions=True)
        assert not refused.accepted and refused.model is None
        assert "kept the model in use, as the new one would raise many more ordinary posts" in refused.outcome
        assert risk_signals.model().version is None  # still the shipped model
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "risk_model.retrain_refused"))
        figures = entry.details["figures"]
        assert figures["new"]["ordinary_flagged"] > figures["in_use"]["ordinary_flagged"]
        assert entry.details["outcome"] == refused.outcome and refused.trained_on["service_sources"] == {"mark": 800}

        # Those marks taken back; a hundred ordinary posts approved, as a moderator's evening leaves them.
        db.session.execute(sa.delete(RiskMark))
        approved = [s.post_id for s in ingest(service, [item(f"fine-{i}", body=text) for i, text in
                                                         enumerate(ordinary[:100])]) if s.priority == Priority.NORMAL]
        work.bulk(person(CHLOE), post_ids=approved, action=Action.APPROVED, reason="")
        kept = retraining.retrain(include_service_decisions=True)
        assert kept.trained_on["service_sources"] == {"approved, not flagged": len(approved)}
        assert kept.accepted and "now in use" in kept.outcome, kept.outcome
        assert risk_signals.model().version == kept.id
        assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "risk_model.retrained")) is not None
