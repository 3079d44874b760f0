"""Which area of the code imports which, worked out from the source (every `import` and `from ... import`, at
module level or inside a function): the table in docs/architecture.md is this command's output.

    .venv/bin/python -m tests.import_graph

An area is a top-level package (`rota`, `scheduler`, `escalation_pathways`, the vault apart), a package under
`console/` (`console/queue`, ...), or the app's own modules (`console/*.py`, as "console (app)"). Tests and
migrations are left out: they may reach anything.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("console", "escalation_pathways", "rota", "scheduler")
THIRD_PARTY = ("flask", "sqlalchemy")  # the frameworks the engine must not import


def area_of_module(module: str) -> str | None:
    """The area a dotted module name belongs to ("console.queue.work" -> "console/queue"), or None if not ours."""
    parts = module.split(".")
    if parts[0] not in PACKAGES:
        return parts[0] if parts[0] in THIRD_PARTY else None
    if parts[0] == "escalation_pathways" and parts[1:2] == ["vault"]:
        return "escalation_pathways/vault"
    if parts[0] == "console" and len(parts) > 1 and (ROOT / "console" / parts[1]).is_dir():
        return f"console/{parts[1]}"
    if parts[0] == "console":
        return "console (app)"
    return parts[0]


def area_of_file(path: Path) -> str:
    """The area a source file belongs to."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return area_of_module(module.removesuffix(".__init__"))


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, as dotted names (a relative import made absolute)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def source_files() -> list[Path]:
    """The product's Python files (not tests, not migrations)."""
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def edges() -> dict[str, set[str]]:
    """Each area and the other areas (and frameworks the engine must not use) it imports."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in source_files():
        source = area_of_file(path)
        graph[source]
        for module in imported_modules(path):
            target = area_of_module(module)
            if target is not None and target != source:
                graph[source].add(target)
    return graph


def importers(module_prefix: str) -> set[Path]:
    """The product files that import a module or anything under it."""
    return {path for path in source_files()
            if any(name == module_prefix or name.startswith(module_prefix + ".") for name in imported_modules(path))}


def table() -> str:
    """The import graph as the Markdown table docs/architecture.md shows (our areas only)."""
    graph = edges()
    lines = ["| Area | Imports |", "|---|---|"]
    for area in sorted(graph):
        if area in THIRD_PARTY:
            continue
        ours = sorted(target for target in graph[area] if target not in THIRD_PARTY)
        lines.append(f"| `{area}` | {', '.join(f'`{target}`' for target in ours) or 'nothing of ours'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
