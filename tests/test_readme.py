"""The README's example outputs are what the code prints today (the demo's model: `python train.py`)."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, compose


@pytest.mark.slow
def test_readme_record_predictions_are_current(tmp_path, capsys):
    from actorstance.cli import main
    from actorstance.training import run

    run(compose(["save_to_models=false"]), tmp_path / "run", ROOT)  # the demo's training, as `python train.py`
    assert main(["predict", str(ROOT / "data/examples/records.jsonl"), "--model", str(tmp_path / "run" / "model"),
                 "-f", "jsonl"]) == 0
    import json

    printed = {r["id"]: (r["label"], f"{r['probability']:.3f}") for r in map(json.loads, capsys.readouterr().out.splitlines())}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("$ actorstance predict data/examples/records.jsonl"):]
    shown = {m[0]: (m[1], m[2]) for m in re.findall(r"^(ex\d+)\s.*?\s(supportive|critical|neutral)\s+(\d\.\d{3})\s",
                                                   block[:block.index("```")], flags=re.M)}
    assert shown and shown == printed
