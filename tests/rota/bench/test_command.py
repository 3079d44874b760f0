"""The benchmark command line (`python -m rota.bench`)."""

from rota.bench.__main__ import main
from rota.bench.curtois.check import broken_rules, penalty
from rota.bench.curtois.instance import parse_instance, parse_roster
from rota.bench.curtois.solver import solve_instance
from tests.rota.bench.curtois.builders import TINY


def test_one_command_solves_a_folder_prints_one_table_and_writes_rosters_that_recheck(tmp_path, capsys):
    """Two copies of the tiny instance (numbered 2 and 10, to show the order is by number) and a best-known file
    that names only one of them."""
    folder = tmp_path / "instances"
    folder.mkdir()
    for number in (10, 2):
        (folder / f"Instance{number}.txt").write_text(TINY)
    instance = parse_instance(TINY, "tiny")
    best = solve_instance(instance, time_limit_s=5, workers=1).penalty
    (folder / "best_known.csv").write_text(f"instance,best_known_penalty\nInstance2.txt,{best}\n")
    assert main(["curtois-all", str(folder), "--seconds", "5", "--workers", "1", "--out", str(tmp_path / "out")]) == 0
    table = capsys.readouterr().out.splitlines()
    rows = [line for line in table if line.startswith("| Instance")]
    assert [row.split(" | ")[0] for row in rows[1:]] == ["| Instance2", "| Instance10"]
    assert rows[1].split(" | ")[1:5] == [str(best), str(best), "0.0 %", "yes"]
    assert rows[1].split(" | ")[7:] == [str(best), "0.0 %", "yes |"], "the plain model's search, beside it"
    assert rows[2].split(" | ")[2:4] == ["–", "–"], "no best known for it: no comparison"
    assert table[-1] == "2 of 2 rosters valid (re-checked by the rules' checker); 1 at the best known penalty."
    for name in ("Instance2", "Instance10", "Instance2.plain"):
        written = parse_roster(instance, (tmp_path / "out" / f"{name}.roster.txt").read_text())
        assert broken_rules(instance, written) == [] and penalty(instance, written) == best
