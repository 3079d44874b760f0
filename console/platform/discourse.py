"""A Discourse forum as a source of posts: its webhook's events turned into the queue's own.

Discourse sends each event as a POST whose body is `{"post": {...}}` (its WebHookPostSerializer) with the headers
`X-Discourse-Event` (`post_created`, `post_edited`, ...), `X-Discourse-Event-Type` (`post`, or `ping` when an
administrator presses "Ping") and, when the webhook has a secret, `X-Discourse-Event-Signature: sha256=` and the
HMAC-SHA256 of the raw body in hex. The service's ingest secret is that secret.

A topic is a thread (`topic_id`), its first post (`post_number` 1) a post and the rest replies; the Discourse
username is the pseudonym; `raw` (the markdown the author wrote) is the body. Only people's own posts come in:
`post_type` 1. Moderator actions, small actions ("closed this topic") and staff whispers are not for the queue.

Every post event carries `version` (1, then one more for each revision; an edit within the grace period after the
last one keeps the number) and `updated_at`: together they put a post's edits in order, so one that arrives late
(Discourse retries a failed delivery) or is sent again is known to be older than the words held.
"""

from typing import Any

from console.queue.models import PlatformVersion
from console.platform.ingest import IngestError, platform_time

LARGEST_VERSION = 2**31 - 1  # what the database holds

TAKEN = ("post_created", "post_edited")
REGULAR = 1  # Discourse's post_type of a person's own post


def post_of(event: str, data: Any) -> tuple[dict, PlatformVersion | None] | None:
    """The queue's post for a Discourse event and which version of it the event holds (None when the event does not
    say), or None when the event is not one the queue takes (a ping, a deletion, a moderator's action); IngestError
    names the field when a post event lacks what the queue needs."""
    if event not in TAKEN:
        return None
    post = data.get("post") if isinstance(data, dict) else None
    if not isinstance(post, dict):
        raise IngestError("post", 'a Discourse post event is {"post": {...}}')
    if post.get("post_type", REGULAR) != REGULAR:
        return None

    def whole(name: str) -> int:
        value = post.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise IngestError(f"post.{name}", f"post.{name} is required and must be a whole number")
        return value

    number = whole("post_number")
    body = post.get("raw")
    if not isinstance(body, str):
        raise IngestError("post.raw", "post.raw is required and must be text (Discourse sends it with every post "
                                      "event)")
    item = {"external_id": f"discourse-post-{whole('id')}", "thread_id": f"discourse-topic-{whole('topic_id')}",
           "kind": "post" if number == 1 else "reply", "author_pseudonym": post.get("username"),
           "body": body, "created_at": post.get("created_at")}
    if post.get("version") is None and post.get("updated_at") is None:
        return item, None  # not Discourse's own serializer: the edit is taken as it comes
    version = whole("version")
    if not 1 <= version <= LARGEST_VERSION:
        raise IngestError("post.version", f"post.version must be from 1 to {LARGEST_VERSION}")
    return item, PlatformVersion(version, platform_time(post.get("updated_at"), "post.updated_at"))
