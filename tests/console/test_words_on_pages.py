"""Counts and files in words on every page, email and message: "no leave requests", "1 rule", never "(s)", and
a rota file named for what it is, not its format's code."""

import ast
import re
from pathlib import Path

from console.extensions import db
from console.permissions import Role
from tests.factories import make_draft

ROOT = Path(__file__).resolve().parents[2]
# Everything a person reads: the pages and emails, the app's messages, the engine's and the command line's.
SOURCES = ("console", "escalation_pathways", "scheduler", "rota")


def _said(path: Path) -> list[tuple[int, str]]:
    """What a file says to people: a template's whole text; a Python module's strings, the literal parts of its
    f-strings, not its code, comments or docstrings (`(s)` in `for s in ...` or `format_time(s)` is code)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return list(enumerate(text.splitlines(), start=1))
    tree = ast.parse(text)
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_nothing_said_to_a_person_counts_with_s_in_brackets():
    found = [f"{path.relative_to(ROOT)}:{line}: {said.strip()[:80]}"
             for folder in SOURCES for path in sorted((ROOT / folder).rglob("*"))
             if path.suffix in (".py", ".html", ".txt") and "__pycache__" not in path.parts
             for line, said in _said(path) if re.search(r"\w\((s|es)\)", said)]
    assert found == [], "say it with console.words.counted: " + "; ".join(found)


def test_the_scan_finds_s_in_brackets_in_a_string_and_not_in_code(tmp_path):
    module = tmp_path / "example.py"
    module.write_text('names = [int(s) for s in rows]\nprint(f"removed {n} old key(s)")\n')
    assert [said for _line, said in _said(module) if re.search(r"\w\((s|es)\)", said)] == \
        [" old key(s)"]


def test_a_manager_with_nothing_to_decide_reads_no_leave_requests(client, auth, demo_data):
    auth.login_demo(Role.TEAM_MANAGER)
    page = client.get("/").get_data(as_text=True)
    assert "no leave requests</a> to decide" in page
    assert "0 leave requests" not in page


def test_the_rotas_pages_name_a_rota_file_for_what_it_is(app, client, auth, demo_data):
    with app.app_context():
        version_id = make_draft()
        db.session.remove()
    auth.login_demo(Role.TEAM_MANAGER)
    rotas = client.get("/rota/").get_data(as_text=True)
    assert "<summary>Advanced: import a rota file</summary>" in rotas
    assert "A rota downloaded from a rota&#39;s page here (Download this rota) and edited" in rotas
    version = client.get(f"/rota/versions/{version_id}").get_data(as_text=True)
    assert ">Download this rota (file for the rota engine)</a>" in version
    assert ">Download what it was made from (file for the rota engine)</a>" in version
    for page in (rotas, version):
        main = page.split("<main", 1)[1]
        assert "modrota" not in main and "JSON" not in main
