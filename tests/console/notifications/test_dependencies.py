"""The mail path (the outbox, letters, preferences, SMTP) depends on none of the areas that send mail: they import
it, never the other way round."""

import ast
from pathlib import Path

import console.notifications

SENDERS = ("console.rotas", "console.queue", "console.alerts", "console.platform", "escalation_pathways", "scheduler")


def imports_of(folder: Path) -> dict[str, set[str]]:
    """Each module of a package folder and the modules it imports."""
    found = {}
    for path in sorted(folder.glob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[path.name] = names
    return found


def test_the_mail_path_imports_none_of_the_areas_that_send_mail():
    wrong = {module: sorted(name for name in names if name.startswith(SENDERS))
             for module, names in imports_of(Path(console.notifications.__file__).parent).items()}
    assert {module: names for module, names in wrong.items() if names} == {}
