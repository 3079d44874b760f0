"""The queue page's live updates: /queue/live answers the tabs and items, and 304 while nothing changed."""

from console.permissions import Role
from tests.factories import item, post_json


def test_live_answers_304_until_the_queue_changes_then_the_new_items(client, auth, demo_data):
    post_json(client, item("l-1", body="Quiet evening"))
    auth.login_demo(Role.NON_CLINICAL_MODERATOR)
    page = client.get("/queue/?service=demo-low").get_data(as_text=True)
    first = client.get("/queue/live?service=demo-low")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    version = first.get_json()["version"]
    assert f'data-version="{version}"' in page  # the page and the endpoint agree on what is shown
    assert "Quiet evening" in first.get_json()["items"] and "Demo low-risk service (1)" in first.get_json()["tabs"]

    unchanged = client.get("/queue/live?service=demo-low", headers={"If-None-Match": f'"{version}"'})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""

    post_json(client, item("l-2", body="I want to die"))
    changed = client.get("/queue/live?service=demo-low", headers={"If-None-Match": f'"{version}"'})
    update = changed.get_json()
    assert changed.status_code == 200 and update["version"] != version
    assert 'data-priority="0"' in update["items"] and "I want to die" in update["items"]
    assert "Demo low-risk service (2, <strong>1 critical</strong>)" in update["tabs"]


def test_live_is_only_for_moderators(client, auth, demo_data):
    auth.login_demo(Role.TEAM_MANAGER)
    assert client.get("/queue/live").status_code == 403
