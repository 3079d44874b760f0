"""The API's contract, OpenAPI 3.1, served at /api/v1/openapi.json: the signed ingest of posts, a Discourse forum's
webhook, and (as OpenAPI's `webhooks`) the signed decisions the console sends to a platform
(console.platform.service). tests/console/platform/test_openapi.py runs schemathesis against the live app to keep
every answer within it.
"""

from console.platform.api_routes import MAX_BATCH
from console.platform.discourse import LARGEST_VERSION
from console.platform.ingest import MAX_BODY, MAX_FIELD
from console.platform.service import EVENT_TYPES

HEX_SIGNATURE = "^sha256=[0-9a-f]{64}$"


def _error(description: str) -> dict:
    error = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": error}}}


def _answers(created: str, repeat: str, answer: str) -> dict:
    ref = {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{answer}"}}}}
    return {
        "201": {"description": created, **ref},
        "200": {"description": repeat, **ref},
        "400": _error("The body is not JSON, or a field is missing or wrong (text holding half of a UTF-16 "
                      "surrogate pair, `\\ud800`, included); `field` names it."),
        "401": _error("The signature header is missing or does not match the body under the service's ingest secret."),
        "404": _error("There is no active service with that slug."),
        "413": _error("The body is too large (64 KiB for one post, 4 MiB for a batch)."),
        "429": _error("Too many requests: correctly signed ones per service, or badly signed ones per address. "
                      "A signed request that changes nothing (a repeat, a stale edit, an ignored event) is not "
                      "counted, so a signed body sent again, however often, never holds back new posts."),
    }


def _signature(name: str, description: str) -> dict:
    return {"name": name, "in": "header", "required": True, "description": description,
            "schema": {"type": "string", "pattern": HEX_SIGNATURE}}


SLUG = {"name": "slug", "in": "path", "required": True, "description": "The service's short name, e.g. demo-low.",
        "schema": {"type": "string", "pattern": "^[^/]+$"}}
SIGNED = "`sha256=` and the hex HMAC-SHA256 of the raw body under the service's ingest secret. It covers the body \
only, with no time in it (Discourse signs no more), so a body may come again: a repeat changes nothing and is not \
counted against the service's limit."


def _post_schema() -> dict:
    text = {"type": "string", "minLength": 1}
    return {
        "type": "object",
        "required": ["external_id", "thread_id", "kind", "author_pseudonym", "body", "created_at"],
        "properties": {
            "external_id": {**text, "maxLength": MAX_FIELD["external_id"],
                            "description": "The platform's own id of the post: a repeat is stored once."},
            "thread_id": {**text, "maxLength": MAX_FIELD["thread_id"]},
            "kind": {"type": "string", "enum": ["post", "reply"]},
            "author_pseudonym": {**text, "maxLength": MAX_FIELD["author_pseudonym"],
                                 "description": "The name the author posts under; never their identity."},
            "body": {**text, "maxLength": MAX_BODY},
            "created_at": {"type": "string", "format": "date-time",
                           "description": "ISO 8601 with its offset, from 2000 to a day from now."},
        },
    }


def _discourse_schema() -> dict:
    return {
        "type": "object", "required": ["post"],
        "description": "Discourse's post event body (its WebHookPostSerializer); fields not listed are ignored.",
        "properties": {"post": {
            "type": "object",
            "required": ["id", "topic_id", "post_number", "username", "raw", "created_at"],
            "properties": {
                "id": {"type": "integer"}, "topic_id": {"type": "integer"},
                "post_number": {"type": "integer", "description": "1 for a topic's first post: a post; else a reply."},
                "post_type": {"type": "integer", "description": "1 for a person's own post; others are ignored."},
                "username": {"type": "string", "minLength": 1, "maxLength": MAX_FIELD["author_pseudonym"]},
                "raw": {"type": "string", "minLength": 1, "maxLength": MAX_BODY},
                "created_at": {"type": "string", "format": "date-time"},
                "version": {"type": "integer", "minimum": 1, "maximum": LARGEST_VERSION,
                            "description": "The post's revision (an edit within Discourse's grace period keeps it); "
                                           "with updated_at, it orders edits. Sent with updated_at or not at all."},
                "updated_at": {"type": "string", "format": "date-time",
                               "description": "When the post was last saved. A post_edited older than the words "
                                              "held (by version, then updated_at) is answered 200 `stale` and "
                                              "changes nothing."},
            },
        }},
    }


def _decision_schema() -> dict:
    return {
        "type": "object",
        "required": ["id", "type", "service", "sequence", "decided_at", "sent_at", "post"],
        "properties": {
            "id": {"type": "string", "description": "The event's id: take each id once (it may come again)."},
            "type": {"type": "string", "enum": sorted(EVENT_TYPES.values())},
            "service": {"type": "string", "description": "The service's slug."},
            "sequence": {"type": "integer", "minimum": 1, "description": "The post's decisions counted from 1."},
            "decided_at": {"type": "string", "format": "date-time"},
            "sent_at": {"type": "string", "format": "date-time",
                        "description": "When this attempt was sent: refuse old ones (a replay)."},
            "post": {"type": "object", "required": ["external_id", "thread_id"],
                     "properties": {"external_id": {"type": "string"}, "thread_id": {"type": "string"}}},
            "reason": {"type": "string", "description": "Why the post was hidden (post.hidden only)."},
        },
    }


def document(public_url: str) -> dict:
    """The OpenAPI description, its server the console's PUBLIC_URL."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Moderation console API", "version": "1",
                 "description": "Posts pushed to a service's moderation queue, a Discourse forum's webhook, and the "
                                "moderators' decisions sent back to the platform (the webhooks section)."},
        "servers": [{"url": public_url.rstrip("/")}],
        "paths": {
            "/api/v1/services/{slug}/posts": {"post": {
                "operationId": "ingestPost", "summary": "Push one post or reply into the service's queue.",
                "parameters": [SLUG, _signature("X-Signature", SIGNED)],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Post"}}}},
                "responses": _answers("Stored and queued.", "A repeat of a stored external_id: nothing changed, "
                                      "and not counted against the service's limit.", "Ingested"),
            }},
            "/api/v1/services/{slug}/posts:batch": {"post": {
                "operationId": "ingestBatch", "summary": f"Push up to {MAX_BATCH} posts at once, all or none.",
                "parameters": [SLUG, _signature("X-Signature", SIGNED)],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["items"],
                    "properties": {"items": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH,
                                             "items": {"$ref": "#/components/schemas/Post"}}}}}}},
                "responses": _answers("At least one stored.", "Every one a repeat: nothing changed, and not "
                                      "counted against the service's limit.", "IngestedBatch"),
            }},
            "/api/v1/services/{slug}/discourse": {"post": {
                "operationId": "ingestDiscourse",
                "summary": "A Discourse webhook's events: post_created queued, post_edited re-queued (never "
                           "lowering the priority of an item no moderator has decided on; stale when older than "
                           "the words held), others answered and left alone.",
                "parameters": [SLUG, _signature("X-Discourse-Event-Signature", SIGNED),
                               {"name": "X-Discourse-Event", "in": "header", "required": False,
                                "schema": {"type": "string"},
                                "description": "post_created or post_edited; any other event is ignored."}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/DiscoursePostEvent"}}}},
                "responses": {**_answers("A new post stored and queued.",
                                         "An edit re-queued; or, changing nothing and not counted against the "
                                         "service's limit, a repeat, a stale edit (older than the words held) or "
                                         "an event left alone.", "DiscourseAnswer")},
            }},
        },
        "webhooks": {"decision": {"post": {
            "operationId": "decision",
            "summary": "A moderator's decision on a post, sent to the service's webhook in order for each post, "
                       "retried until a 2xx answer.",
            "parameters": [
                _signature("X-Signature", "`sha256=` and the hex HMAC-SHA256 of the raw body under the webhook's "
                                          "signing secret."),
                {"name": "X-Event-Id", "in": "header", "required": True, "schema": {"type": "string"}},
                {"name": "X-Event-Timestamp", "in": "header", "required": True,
                 "schema": {"type": "string", "pattern": "^[0-9]+$"}, "description": "Unix seconds of this attempt."},
            ],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Decision"}}}},
            "responses": {"2XX": {"description": "Taken (a repeat of an id already taken also answers 2xx)."},
                          "default": {"description": "Not taken: the console sends it again later."}},
        }}},
        "components": {"schemas": {
            "Post": _post_schema(),
            "Ingested": {"type": "object", "required": ["external_id", "id", "status", "priority"], "properties": {
                "external_id": {"type": "string"}, "id": {"type": "integer"},
                "status": {"type": "string", "enum": ["created", "repeat"]},
                "priority": {"type": "string", "enum": ["critical", "risk", "normal"]}}},
            "IngestedBatch": {"type": "object", "required": ["items"], "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Ingested"}}}},
            "DiscoursePostEvent": _discourse_schema(),
            "DiscourseAnswer": {"oneOf": [
                {"type": "object", "required": ["external_id", "id", "status", "priority"], "properties": {
                    "external_id": {"type": "string"}, "id": {"type": "integer"},
                    "status": {"type": "string", "enum": ["created", "repeat", "edited", "stale"]},
                    "priority": {"type": "string", "enum": ["critical", "risk", "normal"]}}},
                {"type": "object", "required": ["status", "event"], "properties": {
                    "status": {"const": "ignored"}, "event": {"type": "string"}}},
            ]},
            "Decision": _decision_schema(),
            "Error": {"type": "object", "required": ["error"], "properties": {
                "error": {"type": "string"}, "field": {"type": "string"}}},
        }},
    }
