"""The layout's never-rules, checked on the source, and the import table in docs/architecture.md kept true."""

from pathlib import Path

from tests import import_graph

VAULT = import_graph.ROOT / "escalation_pathways" / "vault"


def test_the_rota_engine_imports_no_framework_and_nothing_of_ours():
    assert import_graph.edges()["rota"] == set()


def test_the_vault_imports_nothing_of_ours_and_only_it_reaches_its_engine_and_keys():
    assert {area for area in import_graph.edges()["escalation_pathways/vault"]
            if area not in import_graph.THIRD_PARTY} == set()
    for internal in ("escalation_pathways.vault.schema", "escalation_pathways.vault.sealing"):
        outside = {path.relative_to(import_graph.ROOT).as_posix() for path in import_graph.importers(internal)
                   if VAULT not in path.parents}
        assert outside == set(), f"{internal} is imported from outside the vault"


def test_the_queue_never_imports_escalation():
    assert {"escalation_pathways", "escalation_pathways/vault"} & import_graph.edges()["console/queue"] == set()


def test_a_relative_import_is_read_as_the_module_it_names(tmp_path, monkeypatch):
    package = tmp_path / "console" / "queue"
    package.mkdir(parents=True)
    module = package / "work.py"
    module.write_text("from .models import Post\nfrom ..platform import service\nimport rota.domain\n")
    monkeypatch.setattr(import_graph, "ROOT", tmp_path)
    assert import_graph.imported_modules(module) == {"console.queue.models.Post", "console.platform.service",
                                                     "rota.domain"}


def test_the_architecture_page_shows_the_import_graph_as_it_is():
    page = (Path(import_graph.ROOT) / "docs" / "architecture.md").read_text()
    assert import_graph.table() in page, "run .venv/bin/python -m tests.import_graph and put its table in the page"
