"""The demo's stand-in for the platform checks events as a platform should: signature, replay, repeats."""

import hashlib
import hmac
import json
import time

from console.platform.receiver import check

SECRET = "shared-secret"


def signed(event: dict, sent: float, secret: str = SECRET) -> tuple[bytes, dict]:
    raw = json.dumps(event).encode()
    return raw, {"X-Signature": "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest(),
                 "X-Event-Timestamp": str(int(sent))}


EVENT = {"id": "e-1", "type": "post.hidden", "service": "demo-low", "sequence": 1, "reason": "Spam",
         "post": {"external_id": "p-1", "thread_id": "t-1"}}


def test_an_event_is_taken_once_and_printed_in_words():
    taken: set[str] = set()
    raw, headers = signed(EVENT, time.time())
    status, words, _ = check(SECRET, raw, headers, taken)
    assert status == 200 and words == "post.hidden for post p-1 in thread t-1 of demo-low (decision 1 on it): Spam"
    status, words, _ = check(SECRET, raw, headers, taken)
    assert status == 200 and words.startswith("already taken")


def test_a_wrong_signature_and_an_old_request_are_refused():
    raw, headers = signed(EVENT, time.time(), secret="someone-else")
    assert check(SECRET, raw, headers, set())[:2] == (401, "refused: the signature does not match the secret")
    raw, headers = signed(EVENT, time.time() - 3600)
    assert check(SECRET, raw, headers, set())[:2] == (400, "refused: sent too long ago (a replay?)")
