"""The API keeps to its OpenAPI description: schemathesis generates requests from it (valid and not), each sent to
the live app on SQLite and PostgreSQL signed with the service's secret or with a wrong one, and every answer must
be one the description allows, never a 500."""

import hashlib
import hmac
import json

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_headers_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from console import demo

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
SIGNATURE_HEADERS = ("X-Signature", "X-Discourse-Event-Signature")


def send(app, case, secret: str):
    """The case as the platform would send it: its JSON body as bytes, signed (under `secret`) over those bytes."""
    body = b"" if case.body is None else json.dumps(case.body).encode() if not isinstance(case.body, bytes) \
        else case.body
    headers = {key: str(value) for key, value in (case.headers or {}).items()}
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    for name in SIGNATURE_HEADERS:
        headers[name] = signature
    headers["Content-Type"] = "application/json"
    return app.test_client().open(case.formatted_path, method=case.method, data=body, headers=headers,
                                  query_string=case.query)


RUNS = settings(max_examples=15, deadline=None, phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))


def each_operation(app, check) -> int:
    """Run `check(case)` on requests generated from each operation the app describes; how many operations."""
    app.config["INGEST_RATE_LIMIT"] = "100000 per minute"  # the limit is tested on its own
    described = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in described.get_all_operations()]
    for operation in operations:
        @RUNS
        @given(case=operation.as_strategy())
        def run(case):
            check(case)

        run()
    return len(operations)


def test_signed_requests_get_only_described_answers(app, demo_data):
    def check(case):
        if "slug" in (case.path_parameters or {}):
            case.path_parameters["slug"] = "demo-low"  # the demo service whose ingest secret signs these
        case.validate_response(send(app, case, demo.DEMO_INGEST_SECRET), checks=CHECKS)

    assert each_operation(app, check) == 3


def test_wrongly_signed_requests_are_refused_as_described(app, demo_data):
    def check(case):
        response = send(app, case, "a-wrong-secret")
        case.validate_response(response, checks=CHECKS)
        assert response.status_code in (401, 404, 413, 429), response.get_data(as_text=True)

    assert each_operation(app, check) == 3


def test_the_description_is_served_with_this_consoles_address(client, app):
    described = client.get("/api/v1/openapi.json", headers={"Host": "evil.example.org"}).get_json()
    assert described["openapi"] == "3.1.0"
    assert described["servers"] == [{"url": app.config["PUBLIC_URL"].rstrip("/")}]
    assert set(described["paths"]) == {"/api/v1/services/{slug}/posts", "/api/v1/services/{slug}/posts:batch",
                                       "/api/v1/services/{slug}/discourse"}
    assert "decision" in described["webhooks"]
    loaded = schemathesis.openapi.from_dict(described)  # refuses a document that is not OpenAPI it can read
    assert sorted(operation.ok().label for operation in loaded.get_all_operations()) == [
        "POST /api/v1/services/{slug}/discourse", "POST /api/v1/services/{slug}/posts",
        "POST /api/v1/services/{slug}/posts:batch"]
