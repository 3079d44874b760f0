"""Canned reasons: administrators keep each service's list; moderators pick one on an item."""

import pytest

from console.errors import NotFound
from console.extensions import db
from console.permissions import Role
from console.queue import reasons
from console.queue.models import CannedReason
from console.queue.reasons import DEFAULT_REASONS
from tests.factories import item, post_json, service_id_of, services


def test_an_administrator_keeps_the_list_and_a_moderator_picks_from_it(app, client, auth, admin):
    low = f"/queue/services/{service_id_of(app, 'demo-low')}"
    settings = f"{low}/settings"
    page = admin.client.get(settings).get_data(as_text=True)
    assert all(reason in page for reason in DEFAULT_REASONS["hide"])  # the demo starts with the suggestions
    added = admin.post(f"{low}/reasons", {"kind": "hide", "reasons": "Names another member\n\n"
                                          "names another member\nSpam or advertising"},
                       form_page=settings, follow_redirects=True).get_data(as_text=True)
    assert "1 reason added." in added and added.count("<li>Names another member ") == 1

    auth.login_demo(Role.NON_CLINICAL_MODERATOR)
    post_id = post_json(client, item("r-1")).get_json()["id"]
    item_page = client.get(f"/queue/items/{post_id}").get_data(as_text=True)
    assert 'autocomplete="off" id="reason" list="canned-reasons"' in item_page
    assert '<option value="Names another member" label="For hiding"></option>' in item_page
    assert f'<option value="{DEFAULT_REASONS["reply"][0]}" label="For a reply"></option>' in item_page

    removed = admin.client.get(settings).get_data(as_text=True)
    reason_id = removed.split("Names another member")[1].split("/reasons/")[1].split("/remove")[0]
    gone = admin.post(f"{low}/reasons/{reason_id}/remove", form_page=settings, follow_redirects=True)
    assert "Reason removed." in gone.get_data(as_text=True)
    assert "Names another member" not in client.get(f"/queue/items/{post_id}").get_data(as_text=True)


def test_suggested_reasons_come_back_once_and_bad_input_is_explained(app, admin):
    low = f"/queue/services/{service_id_of(app, 'demo-low')}"
    settings = f"{low}/settings"
    again = admin.post(f"{low}/reasons/suggested", form_page=settings, follow_redirects=True)
    assert "The lists already hold every suggested reason." in again.get_data(as_text=True)
    empty = admin.post(f"{low}/reasons", {"kind": "reply", "reasons": "  "}, form_page=settings)
    assert empty.status_code == 400 and "Enter at least one reason." in empty.get_data(as_text=True)
    too_long = admin.post(f"{low}/reasons", {"kind": "reply", "reasons": "x" * 301}, form_page=settings)
    assert too_long.status_code == 400 and "is longer than 300 characters." in too_long.get_data(as_text=True)
    assert "x" * 301 in too_long.get_data(as_text=True)  # kept in the box to shorten


def test_a_reason_is_removed_only_from_its_own_services_lists(app, admin):
    """A reason of another service is not at this address, as one that does not exist: nothing is removed."""
    with app.app_context():
        by_slug = {service.slug: service for service in services("eating-disorders", "demo-low")}
        reason_id = reasons.reasons_of(by_slug["eating-disorders"])["hide"][0].id
        with pytest.raises(NotFound, match="There is no reason at this address on this service's lists."):
            reasons.remove_reason(by_slug["demo-low"], reason_id=reason_id)
        low = by_slug["demo-low"].id
    settings = f"/queue/services/{low}/settings"
    refused = admin.post(f"/queue/services/{low}/reasons/{reason_id}/remove", form_page=settings,
                         follow_redirects=True)
    assert "There is no reason at this address on this service&#39;s lists." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CannedReason, reason_id) is not None
