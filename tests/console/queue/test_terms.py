"""A service's risk word lists: an administrator adds and removes terms, and posts are matched against the lists
as they are now; a new service starts with the default lists."""

import pytest
import sqlalchemy as sa

from console.errors import NotFound
from console.extensions import db
from console.permissions import Role
from console.platform import ingest
from console.queue import terms
from console.queue.lexicon import DEFAULT_TERMS
from console.queue.models import Post, RiskTerm
from console.services.models import Service
from tests.factories import item, post_json, service_id_of, services


def test_an_administrator_edits_a_services_word_lists(app, client, auth, demo_data):
    auth.login_demo(Role.OWNER)
    eating_disorders = f"/queue/services/{service_id_of(app, 'eating-disorders')}"
    settings = f"{eating_disorders}/settings"
    added = auth.post(f"{eating_disorders}/terms", {"list_name": "critical", "terms": "stopped my meds\n\nSUICIDE\n"},
                      form_page=settings, follow_redirects=True).get_data(as_text=True)
    assert "1 term added to the critical list." in added  # "suicide" was there already
    empty = auth.post(f"{eating_disorders}/terms", {"list_name": "risk", "terms": ""}, form_page=settings)
    assert empty.status_code == 400 and "Enter at least one word or phrase." in empty.get_data(as_text=True)
    with app.app_context():
        (eating,) = services("eating-disorders")
        secret = ingest.new_secret(eating)
        term_id = next(t.id for t in terms.terms_of(eating)["critical"] if t.phrase == "stopped my meds")
    flagged = post_json(client, item("e-1", body="I stopped my meds on Monday"), secret=secret,
                        url="/api/v1/services/eating-disorders/posts")
    assert flagged.get_json()["priority"] == "critical"
    removed = auth.post(f"{eating_disorders}/terms/{term_id}/remove", form_page=settings, follow_redirects=True)
    assert "Term removed." in removed.get_data(as_text=True)
    calm = post_json(client, item("e-2", body="I stopped my meds on Monday"), secret=secret,
                     url="/api/v1/services/eating-disorders/posts")
    # The list no longer raises it; the risk model still reads it (stopping medication can be a sign of relapse).
    assert calm.get_json()["priority"] != "critical"
    with app.app_context():
        assert db.session.get(Post, calm.get_json()["id"]).matched == []


def test_a_new_service_starts_with_the_default_lists_and_lost_defaults_can_be_put_back(app, client, auth,
                                                                                        demo_data):
    auth.login_demo(Role.OWNER)
    auth.post("/admin/services/new", {"name": "Carers' evenings", "slug": "carers-evenings", "risk_tier": "low",
                                      "area": "Berkshire", "mailbox": "carers-evenings@trust.example.org"})
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.slug == "carers-evenings"))
        lists = terms.terms_of(service)
        assert {t.phrase for t in lists["critical"]} == set(DEFAULT_TERMS["critical"])
        assert {t.phrase for t in lists["risk"]} == set(DEFAULT_TERMS["risk"])
        suicide = next(t for t in lists["critical"] if t.phrase == "suicide")
        service_id, term_id = service.id, suicide.id
    settings = f"/queue/services/{service_id}/settings"
    auth.post(f"/queue/services/{service_id}/terms/{term_id}/remove", form_page=settings)
    back = auth.post(f"/queue/services/{service_id}/terms/defaults", form_page=settings, follow_redirects=True)
    assert "1 default term added." in back.get_data(as_text=True)
    with app.app_context():
        assert "suicide" in {t.phrase for t in terms.terms_of(db.session.get(Service, service_id))["critical"]}


def test_a_term_is_removed_only_from_its_own_services_lists(app, auth, demo_data):
    """A term of another service is not at this address, as one that does not exist: nothing is removed."""
    auth.login_demo(Role.OWNER)
    with app.app_context():
        by_slug = {service.slug: service for service in services("eating-disorders", "demo-low")}
        term_id = terms.terms_of(by_slug["eating-disorders"])["critical"][0].id
        with pytest.raises(NotFound, match="There is no term at this address on this service's lists."):
            terms.remove_term(by_slug["demo-low"], term_id=term_id)
        low = by_slug["demo-low"].id
    settings = f"/queue/services/{low}/settings"
    refused = auth.post(f"/queue/services/{low}/terms/{term_id}/remove", form_page=settings, follow_redirects=True)
    assert "There is no term at this address on this service&#39;s lists." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(RiskTerm, term_id) is not None
