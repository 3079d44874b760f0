"""A stand-in for a platform's webhook, for the demo and for trying a connection: `flask platform receiver`.

It checks each event as a platform should (the signature under the shared secret, the time of sending against a
replay, each event id taken once) and prints one line per decision taken. `make run` starts it for the demo
low-risk service, so a post hidden in the demo console shows up here a moment later.
"""

import hmac
import json
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from console.platform.service import signature

MAX_AGE_SECONDS = 300  # an event sent longer ago than this is refused as a possible replay
MAX_BODY = 64 * 1024


def check(secret: str, raw: bytes, headers, taken: set[str], now: float | None = None) -> tuple[int, str, dict]:
    """What a platform answers to one request: (HTTP status, what happened in words, the event or {})."""
    given = headers.get("X-Signature", "")
    if not hmac.compare_digest(given.encode(), signature(secret, raw).encode()):
        return 401, "refused: the signature does not match the secret", {}
    try:
        event = json.loads(raw)
        sent = int(headers.get("X-Event-Timestamp", ""))
    except ValueError:
        return 400, "refused: not an event", {}
    if abs((now or time.time()) - sent) > MAX_AGE_SECONDS:
        return 400, "refused: sent too long ago (a replay?)", event
    if event.get("id") in taken:
        return 200, "already taken (a repeat of a delivery whose answer was lost)", event
    taken.add(event.get("id"))
    reason = f": {event['reason']}" if event.get("reason") else ""
    post = event.get("post", {})
    return 200, (f"{event.get('type')} for post {post.get('external_id')} in thread {post.get('thread_id')} "
                 f"of {event.get('service')} (decision {event.get('sequence')} on it){reason}"), event


def serve(port: int, secret: str, say: Callable[[str], None]) -> None:
    """Take events on 127.0.0.1:port until interrupted."""
    taken: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.send_response(413)
                self.end_headers()
                return
            status, words, _event = check(secret, self.rfile.read(length), self.headers, taken)
            say(f"platform: {words}")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    with ThreadingHTTPServer(("127.0.0.1", port), Handler) as server:
        say(f"platform: taking the console's decisions at http://127.0.0.1:{port}/hooks/console")
        server.serve_forever()
