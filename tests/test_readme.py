"""The README's example outputs are what the code prints today (the demo's model: `python train.py`), and the runs it
and the docs cite have their result files."""

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


def test_every_scorer_run_the_readme_and_docs_cite_has_its_result_files():
    """A run named in the README or docs/articles.md (`minilm-mil-s2`, `tfidf-articles-cand23`) is a number's
    source: its JSON report or run folder is committed under benchmarks/results/, not only named."""
    articles = ROOT / "benchmarks" / "results" / "articles"
    reports = {p.name for p in articles.glob("*.json")}
    folders = {p.name for d in (articles / "runs", ROOT / "benchmarks" / "results" / "encoders") for p in d.iterdir()}
    cited = set()
    for doc in ("README.md", "docs/articles.md"):
        cited |= set(re.findall(r"`((?:minilm|tfidf|mpnet)-[a-z0-9.-]+)`", (ROOT / doc).read_text(encoding="utf-8")))
    assert len(cited) > 50
    missing = sorted(n for n in cited if n not in reports and n not in folders
                     and not any(r.startswith(n + "-") for r in reports))
    assert not missing, missing
