"""No input ends in a 500: generated values posted to every form of the console and to the ingest API.

The forms are not listed by hand. Each demo role signs in and follows every link from the dashboard; every
form met on the way (one of each kind: a remove button on 400 shifts is one form) is posted with values hypothesis
draws: its own choices, text of any kind, and the values an outside tester found crashing the console (NaN,
dates in year 1 or 9999, numbers past 64 bits, nesting 5,000 deep, half of a UTF-16 pair). A half-pair goes in a
form as a browser sends it, percent-encoded UTF-8 (%ED%A0%80), and in the API as JSON writes it ("\\ud800").
"""

import hashlib
import hmac
import json
import os
import re
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from console import demo
from console.extensions import db, limiter
from console.permissions import Role
from console.queue.models import Post
from console.staffing.models import LeaveRequest
from escalation_pathways import service as escalations
from tests.factories import make_draft, next_monday, person
from tests.helpers import signed_in

# Its behaviour depends on the database: it runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases

# The order matters: the owner, who can deactivate the others, comes last.
ROLES = [Role.VOLUNTEER, Role.CLINICAL_MODERATOR, Role.TEAM_MANAGER, Role.CLINICAL_ADMIN, Role.OWNER]
MAX_PAGES = 120
# Forms that end the fuzzing session itself; signing out is tested on its own.
SKIPPED_ACTIONS = ("/auth/logout", "/auth/logout-everywhere")
# The values an outside tester found crashing the console, each posted to every field of every form.
CRASHERS = ["NaN", "sNaN", "9" * 5000, "9999-12-27", "0001-01-01", "99999999999999999999", "\x00", "Wil\u200blow",
            "Low \ud800 today"]
NASTY = CRASHERS + ["", "-Infinity", "1e999", "-1", "0", "2147483648", "9999-12-31T23:59", "0001-01-01T00:00", "24:00",
                   "25:61", "\u202e", "é" * 300, "<script>alert(1)</script>", "' OR 1=1 --", "🙂", " ", "1.5", "08:00",
                   "\udfff", "\ude42\ud83d", "\ud83d"]
# Any text, halves of UTF-16 pairs too (hypothesis leaves them out of text unless asked).
ANY_TEXT = st.characters() | st.characters(categories=["Cs"])

# What the crawl offers for a file field: the forms with one are also sent malformed rota files.
FILE_FIELD = "(a file)"
# Rota files shaped wrongly in every way an outside tester tried, each uploaded to every form that takes a file.
MALFORMED_ROTA_FILES = [
    b'{"format": "modrota-solution/1", "assignments": [["presence"]]}',
    b'{"format": "modrota-solution/1", "assignments": ["presence", 7, null]}',
    b'{"format": "modrota-solution/1", "assignments": [{"staff": "1", "service": "1"}]}',
    b'{"format": "modrota-solution/1", "assignments": [{"kind": {"a": 1}, "start": [], "end": null}]}',
    b'{"format": "modrota-solution/1", "assignments": [{"kind": "presence", "staff": {}, "service": [],'
    b' "start": "2027-13-45T08:00", "end": 5}]}',
    b'{"format": "modrota-solution/1", "assignments": {"kind": "presence"}}',
    b'{"format": ["modrota-solution/1"]}', b"[]", b'"modrota-solution/1"', b"\xff\xfe{}",
]


class FormFinder(HTMLParser):
    """Every POST form on a page (action, fields with their offered values) and every link."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and attrs.get("name"):
            name = attrs["name"]
            offered = self._form["fields"].setdefault(name, [])
            if tag == "select":
                self._select = name
            elif attrs.get("value") is not None and attrs.get("type") in ("checkbox", "radio", "hidden"):
                offered.append(attrs["value"])
            elif attrs.get("type") == "file":
                offered.append(FILE_FIELD)
        elif tag == "option" and self._form is not None and self._select and attrs.get("value") is not None:
            self._form["fields"][self._select].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def kind_of(address: str) -> str:
    """Addresses that differ only in their numbers (one staff member's page or another's) are of one kind."""
    return re.sub(r"\d+", "N", address)


def form_kind(action: str, fields: dict) -> tuple:
    """Forms posting the same fields to the same kind of address are of one kind (one plan editor or checklist
    step stands for the others)."""
    parts = kind_of(action).split("/")[1:]
    return (*parts[:2], parts[-1] if len(parts) > 3 else "", *sorted(fields))


def crawl(client) -> list[tuple[str, dict]]:
    """The POST forms reachable from the dashboard by links, from one page of each kind."""
    seen_pages, queue, forms = set(), ["/"], []
    while queue and len(seen_pages) < MAX_PAGES:
        path = queue.pop(0)
        if kind_of(path) in seen_pages:
            continue
        seen_pages.add(kind_of(path))
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        finder = FormFinder()
        finder.feed(response.get_data(as_text=True))
        forms += [(form["action"] or path, form["fields"]) for form in finder.forms
                  if not (form["action"] or path).startswith(SKIPPED_ACTIONS)]
        for link in finder.links:
            parts = urlsplit(link)
            if not parts.netloc and parts.path.startswith("/") and not parts.path.startswith("/static/"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return forms


def value_for(offered: list[str]):
    """A value for one field: one it offers, text of any kind, or a known troublemaker."""
    choices = [st.sampled_from(offered)] if offered else []
    return st.one_of(*choices, st.sampled_from(NASTY), st.text(ANY_TEXT, max_size=40))


def post_form(client, action: str, values: dict):
    """POST a form's values as a browser does (a half-pair as the UTF-8 bytes it would be, percent-encoded)."""
    return client.post(action, data=urlencode(values, errors="surrogatepass"),
                       content_type="application/x-www-form-urlencoded")


def something_of_every_kind() -> None:
    """Records whose pages carry forms of their own: a draft rota, an open case, a leave request."""
    volunteer = person(Role.VOLUNTEER)
    make_draft()
    post = db.session.scalar(sa.select(Post).where(Post.external_id == "demo-1"))
    escalations.add_case(service=post.service, pseudonym=post.author_pseudonym, reason="Says they want to die",
                         actor=person(Role.CLINICAL_MODERATOR), post=post)
    db.session.add(LeaveRequest(staff_id=volunteer.id, first_day=next_monday(), last_day=next_monday()))
    db.session.commit()


# The forms each role reached, by kind of database: both tests below start from the same records (the same ids,
# as every test's database starts alike), so the crawl is made once per kind of database and kept in a file that
# every test process of the run reads (a crawl takes 5-13 s; three processes used to make up to six).
CRAWLED: dict[str, list[tuple[Role, str, dict]]] = {}


def _crawl_file(tmp_path_factory, database: str) -> Path:
    """Where this run keeps a kind of database's crawl: beside every test process's own folder under xdist."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / f"crawl-{database}.json"


@pytest.fixture
def signed_in_forms(app, demo_thread, tmp_path_factory):
    """Each demo role signed in, with the forms it can reach (one of each kind, with the role that found it first);
    CSRF and rate limits are tested on their own."""
    with app.app_context():
        something_of_every_kind()
    clients = [(role, signed_in(app, role).client) for role in ROLES]
    app.config["WTF_CSRF_ENABLED"] = False
    limiter.enabled = False
    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    shared = _crawl_file(tmp_path_factory, database)
    if database not in CRAWLED and shared.exists():
        CRAWLED[database] = [(Role(role), action, fields) for role, action, fields in json.loads(shared.read_text())]
    if database not in CRAWLED:
        kinds = {}  # one of each kind, posted by the first role that reaches it
        for role, client in clients:
            for action, fields in crawl(client):
                kinds.setdefault(form_kind(action, fields), (role, action, fields))
        CRAWLED[database] = list(kinds.values())
        written = shared.with_name(f"{shared.name}.{os.getpid()}")  # then moved into place whole
        written.write_text(json.dumps([(role.value, action, fields) for role, action, fields in CRAWLED[database]]))
        os.replace(written, shared)
    client_of = dict(clients)
    yield [(role, client_of[role], action, fields) for role, action, fields in CRAWLED[database]]
    limiter.enabled = True


def test_no_form_answers_500_to_a_known_troublemaker(signed_in_forms):
    actions = {kind_of(action) for _, _, action, _ in signed_in_forms}
    for area in ("/admin/staff/N/edit", "/rota/versions/N/shifts", "/rota/standards/N", "/staffing/leave/N/decide",
                 "/staffing/people/N/contract", "/queue/items/N/act", "/escalation/cases/N/reveal",
                 "/escalation/subjects", "/auth/password"):
        assert area in actions, f"the crawl found no form at {area}"
    for value in CRASHERS:
        for role, client, action, fields in signed_in_forms:
            values = {name: value for name in fields if name != "csrf_token"}
            response = post_form(client, action, values)
            assert response.status_code < 500, f"{role} POST {action} {values!r}: {response.status_code}"


# No shrinking: the failure message names the role, the form and every value posted.
@settings(max_examples=60, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_form_answers_500_whatever_is_posted(signed_in_forms, data):
    role, client, action, fields = data.draw(st.sampled_from(signed_in_forms), label="form")
    values = {name: data.draw(value_for(offered), label=name) for name, offered in fields.items()
              if name != "csrf_token"}
    response = post_form(client, action, values)
    assert response.status_code < 500, f"{role} POST {action} {values!r}: {response.status_code}"


def test_no_form_answers_500_to_a_malformed_rota_file(signed_in_forms):
    uploads = [(role, client, action, fields) for role, client, action, fields in signed_in_forms
               if any(FILE_FIELD in offered for offered in fields.values())]
    assert "/rota/import" in {action for _, _, action, _ in uploads}, "the crawl found no form taking a rota file"
    plain = {"start": next_monday().isoformat(), "weeks": "4"}  # the period the file is for, so the file is read
    for content in MALFORMED_ROTA_FILES:
        for role, client, action, fields in uploads:
            values = {name: (BytesIO(content), "rota.json") if FILE_FIELD in offered else
                      offered[0] if offered else plain.get(name.rsplit("-", 1)[-1], "")
                      for name, offered in fields.items() if name != "csrf_token"}
            response = client.post(action, data=values, content_type="multipart/form-data")
            said = response.get_data(as_text=True)
            assert response.status_code == 400 and ("The file is not" in said), \
                f"{role} POST {action} with {content!r}: {response.status_code}"


# --- The ingest API ----------------------------------------------------------------------------

URL = "/api/v1/services/demo-low/posts"


def signed(body: bytes) -> dict:
    return {"X-Signature": "sha256=" + hmac.new(demo.DEMO_INGEST_SECRET.encode(), body, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json"}


def post(external_id="p-1", **changes) -> dict:
    return {"external_id": external_id, "thread_id": "t-1", "kind": "post", "author_pseudonym": "User A",
            "body": "Hello", "created_at": "2026-11-25T14:05:00+00:00", **changes}


@pytest.mark.parametrize("body,headers", [
    (json.dumps(post()).encode(), {"X-Signature": "sha256=é"}),
    (json.dumps(post()).encode(), {"X-Signature": "sha256=" + "é" * 64}),
])
def test_a_signature_in_any_characters_is_refused_not_a_crash(client, demo_data, body, headers):
    assert client.post(URL, data=body, headers=headers).status_code == 401


@pytest.mark.parametrize("body", [
    json.dumps(post(created_at="9999-12-31T23:59:59-14:00")).encode(),
    json.dumps(post(created_at="0001-01-01T00:00:00+14:00")).encode(),
    json.dumps(post(created_at="2999-01-01T00:00:00+00:00")).encode(),
    b"[" * 5000 + b"]" * 5000,
    b'{"external_id": ' + b"9" * 5000 + b"}",
    json.dumps(post(author_pseudonym="Wil\u200blow")).encode(),
    json.dumps(post(body="Low \ud800 today")).encode(),
    json.dumps(post(body="Low X today")).encode().replace(b"X", b"\xed\xa0\x80"),
])
def test_extreme_values_get_a_clear_400(client, demo_data, body):
    response = client.post(URL, data=body, headers=signed(body))
    assert response.status_code == 400 and response.get_json()["error"]


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) |
                    st.text(ANY_TEXT, max_size=30),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children,
                                                                                      max_size=4), max_leaves=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(sorted(post())), JSON | st.sampled_from(NASTY), max_size=3),
       signature=st.one_of(st.none(), st.text(st.characters(max_codepoint=255, exclude_categories=("Cc",)),
                                              max_size=80)))
@example(changes={"created_at": "9999-12-31T23:59:59-14:00"}, signature=None)
def test_no_post_answers_500(client, demo_data, changes, signature):
    body = json.dumps(post(**changes)).encode()
    headers = signed(body) if signature is None else {"X-Signature": signature}
    response = client.post(URL, data=body, headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)
