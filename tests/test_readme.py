"""The README's example outputs are what the code prints today (the demo's model: `python train.py`), and the runs it
and the docs cite have their result files."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, compose, load_script


@pytest.mark.slow
def test_readme_record_predictions_and_evaluate_report_are_current(tmp_path, capsys, monkeypatch):
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
    # the Evaluate section's report is this model's on the bundled test split
    monkeypatch.chdir(ROOT)  # the report names the file as given
    assert main(["evaluate", "data/stance/test.jsonl", "--model", str(tmp_path / "run" / "model"),
                 "--out", str(tmp_path / "metrics.json")]) == 0
    report = capsys.readouterr().out.split("\nmetrics written to")[0].rstrip("\n") + "\n"  # not where it went
    start = readme.index("\n", readme.index("$ actorstance evaluate data/stance/test.jsonl")) + 1
    assert "macro-F1 " in report and readme[start:readme.index("```", start)] == report


def test_every_scorer_run_the_readme_and_docs_cite_has_its_result_files():
    """A run named in the README or docs/articles.md (`minilm-mil-s2`, `tfidf-articles-cand23`) is a number's
    source: its JSON report or run folder is committed under benchmarks/results/, not only named."""
    articles = ROOT / "benchmarks" / "results" / "articles"
    reports = {p.name for p in (*articles.glob("*.json"), *(articles.parent / "articles_errors").glob("*.json"))}
    folders = {p.name for d in (articles / "runs", ROOT / "benchmarks" / "results" / "encoders") for p in d.iterdir()}
    cited = set()
    for doc in ("README.md", "docs/articles.md"):
        cited |= set(re.findall(r"`((?:minilm|tfidf|mpnet)-[a-z0-9.-]+)`", (ROOT / doc).read_text(encoding="utf-8")))
    assert len(cited) > 50
    missing = sorted(n for n in cited if {n, n + ".json"}.isdisjoint(reports) and n not in folders
                     and not any(r.startswith(n + "-") for r in reports))
    assert not missing, missing


def test_the_headline_quality_tables_are_what_quality_json_gives():
    """README.md's and RESULTS.md's tables (macro-F1, articles, speed) are rendered from the result files (not typed),
    and every run a macro-F1 cell rests on has its config, metrics and predictions committed."""
    import json

    bench = load_script("benchmarks/benchmark.py")
    entries = json.loads((ROOT / "benchmarks" / "results" / "quality.json").read_text(encoding="utf-8"))["entries"]
    tables = bench.render_tables(ROOT / "benchmarks" / "results")
    assert tables["quality"] == bench.render_headline(bench.resummarise(entries))
    for table_name, files in bench.TABLE_FILES.items():
        start, end = bench.markers(table_name)
        for name in files:
            text = (ROOT / name).read_text(encoding="utf-8")
            assert start + "\n" + tables[table_name] + end in text, f"{name}, {table_name}: run benchmark.py --tables"
    cited = {spec[:2] for cells in bench.HEADLINE_ROWS.values() for spec in cells if spec}
    kept = ROOT / "benchmarks" / "results" / "quality_runs"
    for e in entries:
        if (e["label"], e["data"]) in cited and e["date"] >= "2026-12-07":  # earlier runs predate the kept files
            for seed in e["seeds"]:
                run = kept / bench.slug(e["label"]) / e["data"] / f"seed{seed}"
                assert (run / "config.yaml").is_file() and (run / "predictions_dev.json").is_file(), run
                assert json.loads((run / "metrics.json").read_text(encoding="utf-8"))["dev"]["macro_f1"] == \
                    next(r for r in e["runs"] if r["seed"] == seed)["dev"]["macro_f1"]


def test_the_compare_docs_examples_are_what_compare_gives_on_the_kept_runs(tmp_path, monkeypatch):
    """docs/compare.md's reports are the committed files, and each is what its command writes today from the
    committed run folders of benchmarks/compare_examples.py's sweeps."""
    import shlex

    from actorstance.cli import main

    examples = load_script("benchmarks/compare_examples.py")
    monkeypatch.chdir(ROOT)  # the reports name the runs as given
    for name, command in examples.COMMANDS.items():
        args = shlex.split(command)[1:]
        out = args.index("-o") + 1
        committed = ROOT / args[out]
        args[out] = str(tmp_path / committed.name)
        assert main(args) == 0, command
        assert (tmp_path / committed.name).read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), name
    doc = (ROOT / "docs" / "compare.md").read_text(encoding="utf-8")
    assert "| tfidf_words_only |" in doc and "self-copy" in doc and "EmbeddingStanceModel" not in doc


def test_the_compare_example_is_what_compare_gives_on_the_kept_runs(tmp_path, monkeypatch):
    """The README's compare table is the committed report, and that report is what `actorstance compare` writes
    today from the committed run folders (its command, rerun)."""
    import shlex

    from actorstance.cli import main

    bench = load_script("benchmarks/benchmark.py")
    args = shlex.split(bench.COMPARE_COMMAND)[1:]
    out = args.index("-o") + 1
    committed = ROOT / args[out]
    args[out] = str(tmp_path / "compare.md")
    monkeypatch.chdir(ROOT)  # the report names the runs as given
    assert main(args) == 0
    assert (tmp_path / "compare.md").read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")
    assert "| 2 | TfidfStanceModel |" in committed.read_text(encoding="utf-8")


def test_the_headline_table_shows_mean_sd_seeds_and_a_dash_where_no_run_is():
    bench = load_script("benchmarks/benchmark.py")
    pooled = {"n": 785, "macro_f1": {"mean": 0.7, "sd": 0.01},
              "by_source": {"newsmtsc:dev_rw": {"n": 343, "macro_f1": {"mean": 0.8123, "sd": 0.0061}}}}
    entry = {"label": "transformer experiment=newsmtsc_best", "data": "newsmtsc", "seeds": [1, 2], "command": "cmd",
             "date": "d", "splits": {"test": pooled}, "train_seconds": {"mean": 600.0},
             "split_names": {"dev": "10% of train"},
             "runs": [{"dev": {"macro_f1": 0.81}}, {"dev": {"macro_f1": 0.8146}}]}
    tfidf = dict(entry, label="tfidf", seeds=[1], splits={"dev": {"n": 343, "macro_f1": {"mean": 0.6, "sd": None}}})
    table = bench.render_headline([entry, tfidf])
    assert "| NewsMTSC dev_rw (343) | 0.600 (1 seed) | - | **0.812 ± 0.006** (2 seeds) |" in table
    assert "| NewsMTSC dev_mt (-) | - | - | - |" in table and "| bundled test (-) | - | - | - |" in table
    assert "picked the epoch, 10% of train: 0.810 / 0.815" in table


def test_the_articles_table_averages_its_reports_over_seeds(tmp_path, monkeypatch):
    import json

    bench = load_script("benchmarks/benchmark.py")

    def report(stem, f1, speed, machine="x86_64, 2 cores"):
        body = {"triples": {"precision": f1 + 0.1, "recall": f1 - 0.1, "f1": f1}, "stages": {"pair_recall": 0.5},
                "timings": {"sentences_per_s": speed}, "machine": machine, "when": "2026-12-07T01:00:00+00:00"}
        (tmp_path / f"{stem}.json").write_text(json.dumps(body), encoding="utf-8")
        return stem

    monkeypatch.setattr(bench, "ARTICLE_ROWS", {
        "two seeds": {"select": [report("a-sel", 0.2, 90.0)], "valid": [report("a", 0.24, 99.0), report("b", 0.26, 105.5)],
                      "bundled": []},
        "gpu": {"select": [], "valid": [report("g", 0.3, 300.0, "x86_64, 16 cores")], "bundled": [report("g-b", 0.5, 1.0)]}})
    table = bench.render_articles(tmp_path)
    assert "| two seeds | 0.200 | 0.350 ± 0.014 (2 seeds) | 0.150 ± 0.014 (2 seeds) | **0.250 ± 0.014** (2 seeds) | " \
           "0.500 ± 0.000 (2 seeds) | - | 99.0-105.5 | 2026-12-07 |" in table
    assert "| gpu | - | 0.400 | 0.200 | **0.300** | 0.500 | 0.500 | 300.0 (x86_64, 16 cores) | 2026-12-07 |" in table
    assert "- two seeds: `a-sel`, `a`, `b`" in table


def test_tables_are_written_between_their_markers_and_a_missing_marker_is_named(tmp_path, monkeypatch):
    bench = load_script("benchmarks/benchmark.py")
    monkeypatch.setattr(bench, "render_tables", lambda results: {"quality": "| q |\n", "speed": "| s |\n"})
    monkeypatch.setattr(bench, "TABLE_FILES", {"quality": ("README.md", "R.md"), "speed": ("R.md",)})
    q, s = bench.markers("quality"), bench.markers("speed")
    (tmp_path / "README.md").write_text(f"intro\n{q[0]}\nold\n{q[1]}\nend\n", encoding="utf-8")
    (tmp_path / "R.md").write_text(f"{s[0]}\n{s[1]}\n{q[0]}\nstale\n{q[1]}\n", encoding="utf-8")
    bench.write_tables(tmp_path, tmp_path)
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == f"intro\n{q[0]}\n| q |\n{q[1]}\nend\n"
    assert (tmp_path / "R.md").read_text(encoding="utf-8") == f"{s[0]}\n| s |\n{s[1]}\n{q[0]}\n| q |\n{q[1]}\n"
    (tmp_path / "README.md").write_text(f"{q[0]}\nold\n{q[1]}\n", encoding="utf-8")
    (tmp_path / "R.md").write_text("no markers\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="R.md: the markers"):
        bench.write_tables(tmp_path, tmp_path)
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == f"{q[0]}\nold\n{q[1]}\n"  # none half-written
