"""The platform pushes posts here: `POST /api/v1/services/<slug>/posts` (one) and `.../posts:batch` (up to 500, all
or none); a Discourse forum's webhook posts its events to `.../discourse` (console.platform.discourse). Requests are
signed: `X-Signature: sha256=<hex>` (Discourse: `X-Discourse-Event-Signature`), the HMAC-SHA256 of the raw body
under the service's ingest secret. Answers are JSON: 201 created, 200 a repeat (nothing stored twice), an edit
re-queued or a stale one left alone, 400 naming the bad field, 401 bad or missing signature, 404 unknown service,
413 too large, 429 too many requests (only signed requests that store or change something, or are refused for
what they hold, count against a service's limit; bad signatures are limited per client address on their own).

A signature covers the body only (Discourse's cannot cover anything else), so a signed body someone kept can be
sent again. It then changes nothing (a repeat, a stale edit, an ignored event) and so is not counted: sent again
any number of times, it never makes the platform's new posts answer 429.
"""

import json

from flask import Blueprint, abort, current_app, g, jsonify, request
from limits import parse as parse_limit

from console.extensions import csrf, limiter
from console.permissions import public
from console.platform import discourse, ingest
from console.security import client_address
from console.services import service as services

api = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_POST_BYTES = 64 * 1024
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_BATCH = 500


def _rate() -> str:
    return current_app.config["INGEST_RATE_LIMIT"]


def _service_key() -> str:
    return f"ingest:{request.view_args.get('slug', '')}"


def _counted(_response) -> bool:
    """Only requests with a good signature count against a service's limit, and of those not the ones that changed
    nothing: a flood of unsigned requests, or of signed bodies sent again, must never make the platform's own
    posts, critical ones included, answer 429."""
    return g.get("ingest_signed", False) and not g.get("ingest_changed_nothing", False)


def _too_many_bad_signatures() -> bool:
    """Count a failed signature against the client address; True once the address is past its limit. Counted
    after the check, so a correctly signed request from the same address is never held back."""
    limit = parse_limit(current_app.config["INGEST_BAD_SIGNATURE_LIMIT"])
    return not limiter.limiter.hit(limit, "ingest-bad-signature", client_address())


def _raw_body(limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        abort(413)
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        abort(413)
    return raw


def _error(status: int, message: str, field: str | None = None):
    return jsonify({"error": message, **({"field": field} if field else {})}), status


def _signed_json(slug: str, limit: int, signature_header: str):
    """The service and the request's JSON when the body is signed with the service's ingest secret; else the
    answer to give (404, 401, 429 or 400)."""
    service = services.active_by_slug(slug)
    raw = _raw_body(limit)
    if service is None:
        return None, None, _error(404, "There is no active service with that slug.")
    if not ingest.signature_ok(service, raw, request.headers.get(signature_header)):
        if _too_many_bad_signatures():
            return None, None, _error(429, "Too many requests with a bad signature from this address; wait a minute.")
        return None, None, _error(401, f"The {signature_header} header is missing or does not match the body and the "
                                       "service's secret.")
    g.ingest_signed = True
    try:
        return service, json.loads(raw), None
    except ValueError as problem:  # not UTF-8, not JSON, or a number of more than 4,300 digits
        return None, None, _error(400, f"The body is not valid JSON: {problem}.", "body")
    except RecursionError:
        return None, None, _error(400, "The body is nested too deeply to be a post.", "body")


def _answer(stored: ingest.Ingested) -> dict:
    return {"external_id": stored.external_id, "id": stored.post_id, "status": stored.status,
            "priority": stored.priority.name.lower()}


def _receive(slug: str, limit: int, batch: bool):
    service, data, refusal = _signed_json(slug, limit, "X-Signature")
    if refusal is not None:
        return refusal
    if batch:
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list) or not items:
            return _error(400, 'A batch is {"items": [...]} with at least one post.', "items")
        if len(items) > MAX_BATCH:
            return _error(400, f"A batch holds at most {MAX_BATCH} posts.", "items")
    else:
        items = [data]
    try:
        stored = ingest.ingest(service, items)
    except ingest.IngestError as problem:
        return _error(400, problem.message, problem.field)
    answers = [_answer(s) for s in stored]
    g.ingest_changed_nothing = not any(s.changed for s in stored)
    status = 201 if any(s.created for s in stored) else 200
    return jsonify({"items": answers} if batch else answers[0]), status


# Our fields' names in a Discourse post, for the error a Discourse administrator reads in the webhook's log.
DISCOURSE_FIELDS = {"external_id": "post.id", "thread_id": "post.topic_id", "author_pseudonym": "post.username",
                    "body": "post.raw", "created_at": "post.created_at", "kind": "post.post_number"}


@api.route("/services/<slug>/posts", methods=["POST"])
@public
@csrf.exempt
@limiter.limit(_rate, key_func=_service_key, deduct_when=_counted)
def ingest_post(slug: str):
    """Take one post or reply from the platform."""
    return _receive(slug, MAX_POST_BYTES, batch=False)


@api.route("/services/<slug>/posts:batch", methods=["POST"])
@public
@csrf.exempt
@limiter.limit(_rate, key_func=_service_key, deduct_when=_counted)
def ingest_batch(slug: str):
    """Take up to 500 posts at once, all or none."""
    return _receive(slug, MAX_BATCH_BYTES, batch=True)


@api.route("/services/<slug>/discourse", methods=["POST"])
@public
@csrf.exempt
@limiter.limit(_rate, key_func=_service_key, deduct_when=_counted)
def ingest_discourse(slug: str):
    """Take a Discourse webhook's events: a created post is queued, an edited one matched again and re-queued (an
    edit older than the words held is stale and left alone); any other event (a ping, a deletion, a moderator's
    action) is answered 200 and left alone."""
    service, data, refusal = _signed_json(slug, MAX_POST_BYTES, "X-Discourse-Event-Signature")
    if refusal is not None:
        return refusal
    event = request.headers.get("X-Discourse-Event", "")
    try:
        taken = discourse.post_of(event, data)
        if taken is None:
            g.ingest_changed_nothing = True
            return jsonify({"status": "ignored", "event": event}), 200
        item, version = taken
        stored = ingest.ingest_edit(service, item, version=version) if event == "post_edited" \
            else ingest.ingest(service, [item], version=version)[0]
    except ingest.IngestError as problem:
        return _error(400, problem.message, DISCOURSE_FIELDS.get(problem.field, problem.field))
    g.ingest_changed_nothing = not stored.changed
    return jsonify(_answer(stored)), 201 if stored.created else 200


@api.route("/openapi.json")
@public
def openapi_document():
    """The API's contract (OpenAPI 3.1), its server this console's PUBLIC_URL."""
    from console.platform import openapi  # it reads this module's limits
    return jsonify(openapi.document(current_app.config["PUBLIC_URL"]))
