"""``main.py train`` prints a network lesson's reports after the racers' lines; ``--report``
asks for others (each once, known names only)."""

from __future__ import annotations

import pytest

import main
from engine.scenarios import REPORTS


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_scenario_prints_its_reports_after_the_racers(capsys) -> None:
    code, out, err = _run(capsys, ["train", "--scenario", "net-zero-init"])
    assert code == 0, err
    lines = out.splitlines()
    racers = [i for i, line in enumerate(lines) if line.startswith(("  gd(", "  adam("))]
    same = lines.index(next(line for line in lines if line.startswith("identical units:")))
    grads = lines.index(next(line for line in lines if line.startswith("layer gradients:")))
    assert len(racers) == 2 and max(racers) < same < grads  # the scenario's order
    assert "  gd (step 71): layer 1 identical, layer 2 identical; 1 of 105 weights moved (b3[0])" in lines


def test_report_flags_replace_the_scenarios_reports(capsys) -> None:
    code, out, err = _run(capsys, ["train", "--scenario", "net-zero-init", "--steps", "20",
                                   "--report", "symmetry", "--report", "cost"])
    assert code == 0, err
    assert "symmetry: 8! x 8! = 1.63e9 orderings of the hidden units" in out
    assert out.index("symmetry: ") < out.index("cost: ") and "identical units:" not in out
    assert "gradients' time" in out


def test_reports_without_a_scenario(capsys) -> None:
    code, out, err = _run(capsys, ["train", "--data", "moons", "--points", "80", "--hidden", "4", "--steps", "30",
                                   "--optimizer", "gd", "--alpha", "0.5", "--report", "sharpness"])
    assert code == 0, err
    assert "sharpness: " in out and "  gd(alpha=0.5): " in out and "  gd: limit 4;" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--report", "speed"], "unknown report 'speed' (choose from " + ", ".join(REPORTS) + ")"),
        (["--report", "cost", "--report", "cost"], "report 'cost' given twice"),
    ],
)
def test_a_bad_report_is_one_line_and_exit_2(capsys, argv: list[str], message: str) -> None:
    code, out, err = _run(capsys, ["train", "--scenario", "net-zero-init", *argv])
    assert code == 2 and out == ""
    assert err.strip().endswith(message) and len(err.strip().splitlines()) == 1
