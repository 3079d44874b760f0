"""An item shows what its author wrote elsewhere in the service and what was decided, and their open cases."""

from console.permissions import Role
from tests.factories import item, post_json

CHLOE = Role.NON_CLINICAL_MODERATOR


def test_an_item_shows_the_authors_other_posts_decisions_and_open_cases(client, auth, demo_data):
    ids = [post_json(client, item(f"h-{n}", body=body, thread_id=thread, author_pseudonym=author)).get_json()["id"]
           for n, (body, thread, author) in enumerate([
               ("You are all idiots", "t-1", "Storm"), ("Nobody cares about me", "t-2", "Storm"),
               ("Lovely walk today", "t-3", "Storm"), ("Anyone up?", "t-3", "Calm"),
               ("I want to die", "t-4", "Storm")])]
    insult, sad, walk, other, latest = ids
    auth.login_demo(Role.CLINICAL_MODERATOR)
    for post_id, action, reason in [(insult, "hidden", "Abuse"), (walk, "approved", ""),
                                    (sad, "escalated", "Low mood, pattern")]:
        page = f"/queue/items/{post_id}"
        assert auth.post(page + "/act", {"action": action, "reason": reason}, form_page=page).status_code == 302

    page = client.get(f"/queue/items/{latest}").get_data(as_text=True)
    earlier = page.split('id="poster"')[1].split("<h2>History</h2>")[0]
    assert "3 other posts in 4 threads: 1 approved, 1 escalated, 1 hidden." in earlier
    assert earlier.index("Nobody cares") < earlier.index("You are all idiots")  # newest first
    assert "Anyone up?" not in earlier  # someone else's
    assert "Storm has 1 open escalation case in Demo low-risk service" in earlier

    quiet = client.get(f"/queue/items/{other}").get_data(as_text=True)
    assert "Nothing else from Calm in Demo low-risk service." in quiet
