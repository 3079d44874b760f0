"""The queue is moderators' work: it imports nothing of the platform area (which imports the queue) but the one call
that records a decision's event for the platform."""

import ast
from pathlib import Path

QUEUE = Path(__file__).resolve().parents[3] / "console" / "queue"


def imports_of(path: Path) -> set[str]:
    """The modules a file imports, by full name."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_the_queue_imports_the_platform_only_to_record_a_decisions_event():
    platform = {path.name: sorted(name for name in imports_of(path) if name.startswith("console.platform"))
                for path in sorted(QUEUE.glob("*.py"))}
    assert {name: found for name, found in platform.items() if found} == {
        "work.py": ["console.platform", "console.platform.service"]}
    calls = {node.attr for node in ast.walk(ast.parse((QUEUE / "work.py").read_text()))
             if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "platform"}
    assert calls == {"queue_decision"}
