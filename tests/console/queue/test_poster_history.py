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
    assert "3 other posts in 3 threads: 1 approved, 1 escalated, 1 hidden; newest first." in earlier
    assert earlier.index("Nobody cares") < earlier.index("You are all idiots")  # newest first
    assert "Anyone up?" not in earlier  # someone else's
    assert "Storm has 1 open escalation case in Demo low-risk service" in earlier

    quiet = client.get(f"/queue/items/{other}").get_data(as_text=True)
    assert "Nothing else from Calm in Demo low-risk service." in quiet


def test_other_posts_are_ordered_by_when_written_and_name_their_threads_by_their_opening_words(client, auth,
                                                                                              demo_data):
    """Issue 31, item 4: posts arrive out of order (a platform sends an older post late); the list goes by when each
    was written, says which came after the one open, and names each thread by its first post's opening words."""
    written = [("w-2", "t-walk-4", "Bluebird", "2026-11-25T12:00:00+00:00", "Anyone fancy a walk by the canal later "
                "this week? I could do with the company and the fresh air"),
               ("w-1", "t-walk-4", "Robin", "2026-11-25T09:00:00+00:00", "Walking group: who is coming on Saturday?"),
               ("w-3", "t-sleep-2", "Bluebird", "2026-11-25T18:30:00+00:00", "Still awake, cannot sleep at all"),
               ("w-4", "t-sleep-2", "Bluebird", "2026-11-25T08:00:00+00:00", "Slept badly again last night")]
    ids = {key: post_json(client, item(key, body=body, thread_id=thread, author_pseudonym=author, created_at=when))
           .get_json()["id"] for key, thread, author, when, body in written}
    auth.login_demo(CHLOE)
    page = client.get(f"/queue/items/{ids['w-2']}").get_data(as_text=True)
    other = page.split('id="poster"')[1].split("<h2>History</h2>")[0]
    assert ">Other posts by Bluebird</h2>" in other and "Earlier from" not in page
    assert "2 other posts in 1 thread: 2 open; newest first." in other
    # By when written, not when received.
    assert other.index(f"/queue/items/{ids['w-3']}") < other.index(f"/queue/items/{ids['w-4']}")
    assert "(6 h 30 min after this one)" in other and "(4 h before this one)" in other
    assert "in the thread “Slept badly again last night”" in other  # its first post, though written by another
    assert "t-sleep-2" not in page and "t-walk-4" not in page
    found = client.get("/queue/search?pseudonym=bluebird").get_data(as_text=True)
    assert "in the thread “Walking group: who is coming on Saturday?”" in found and "t-walk-4" not in found
