"""``actorstance compare`` and sweeps: differing keys, seed groups, CIs and paired tests redone here
independently from the saved predictions, failed runs, output formats, train.py multiruns."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

from conftest import ROOT, tiny_records, write_jsonl

LABELS = ["supportive", "critical", "neutral"]
N = 60
GOLD = [LABELS[i % 3] for i in range(N)]
IDS = [f"ex{i:03d}" for i in range(N)]


def wrong(label: str) -> str:
    return LABELS[(LABELS.index(label) + 1) % 3]


def predictions(n_wrong: int, shift: int = 0) -> list[str]:
    """Gold labels with ``n_wrong`` examples (starting at ``shift``) predicted wrong."""
    return [wrong(g) if (i - shift) % N < n_wrong else g for i, g in enumerate(GOLD)]


def make_run(root: Path, name: str, config: dict, pred: list[str], ids=IDS, gold=GOLD, choices=None) -> Path:
    """A run dir as train.py writes it, with known predictions."""
    from actorstance import metrics as M

    d = root / name
    (d / ".hydra").mkdir(parents=True)
    (d / ".hydra" / "config.yaml").write_text(json.dumps(config))  # JSON is YAML
    (d / ".hydra" / "hydra.yaml").write_text(json.dumps({"hydra": {"runtime": {"choices": {
        "experiment": None, "hydra": "default", "model": "tfidf", "data": "bundled", "hydra/launcher": "basic",
        **(choices or {})}}}}))
    metrics = {"model": "tfidf", "seed": config.get("seed"), "timings": {"train_seconds": 1.5},
               "dev": M.compute(list(gold), pred)}
    (d / "metrics.json").write_text(json.dumps(metrics))
    rows = [{"id": i, "gold": g, "pred": p, **{f"p_{lab}": (0.8 if lab == p else 0.1) for lab in LABELS}}
            for i, g, p in zip(ids, gold, pred)]
    write_jsonl(d / "predictions_dev.jsonl", rows)
    return d


def config(C=1.0, seed=1, **extra) -> dict:
    return {"data": {"name": "bundled", "train": "data/stance/train.jsonl"},
            "model": {"_target_": "actorstance.models.tfidf.TfidfStanceModel", "C": C, "char_ngrams": [2, 5],
                      "seed": "${seed}"},
            "seed": seed, "save_to_models": True, "models_dir": f"/tmp/models-{seed}-{C}", **extra}


def compare(*args):
    from actorstance.cli import build_parser
    from actorstance.compare import compare_runs, find_run_dirs, load_run

    ns = build_parser().parse_args(["compare", *map(str, args)])
    dirs, _ = find_run_dirs(ns.paths)
    return compare_runs([load_run(d) for d in dirs], ns.split, ns.bootstrap, ns.seed, ns.per_run, ns.ignore,
                        ns.sort, ns.ascending)


@pytest.fixture
def cli(capsys):
    """``actorstance ARGS`` in this process: (exit status, stdout, stderr)."""
    from actorstance.cli import main

    def run(*args):
        rc = main([str(a) for a in args])
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, rc, out.out, out.err)

    return run


@pytest.fixture
def sweep(tmp_path) -> Path:
    """2 configs x 3 seeds: C=4 gets 6-8 of 60 wrong, C=1 gets 24-26 wrong; one seed deviates per example."""
    root = tmp_path / "multirun"
    job = 0
    for C, base in ((4.0, 6), (1.0, 24)):
        for seed, extra in ((1, 0), (2, 1), (3, 2)):
            make_run(root, str(job), config(C, seed), predictions(base + extra))
            job += 1
    (root / "multirun.yaml").write_text("hydra: {}\n")
    return root


def independent_macro_f1(gold, pred) -> float:
    return f1_score(gold, pred, average="macro")  # sklearn: over labels present in gold or predictions


def independent_resamples(ids, B, seed):
    """The recipe the compare module documents, written out again."""
    rng = np.random.default_rng([seed, zlib.crc32("\n".join(sorted(ids)).encode("utf-8"))])
    return rng.integers(0, len(ids), size=(B, len(ids)))


def read_preds(run_dir: Path):
    rows = sorted((json.loads(line) for line in (run_dir / "predictions_dev.jsonl").read_text().splitlines()),
                  key=lambda r: r["id"])
    return [r["gold"] for r in rows], [r["pred"] for r in rows]


def mcnemar_by_hand(b: int, c: int) -> float:
    n = b + c
    if n == 0:
        return 1.0
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2 ** n)


def test_only_differing_keys_and_seed_groups(sweep):
    result = compare(sweep, "--bootstrap", "0")
    assert result["keys"] == ["model.C"]  # not seed, models_dir, save_to_models or unchanged keys
    assert [r["keys"]["model.C"] for r in result["rows"]] == [4.0, 1.0]
    for row, base in zip(result["rows"], (6, 24)):
        assert row["n"] == 3 and sorted(row["seeds"]) == [1, 2, 3]
        per_seed = [independent_macro_f1(GOLD, predictions(base + k)) for k in range(3)]
        assert row["macro_f1"] == pytest.approx(np.mean(per_seed))
        assert row["macro_f1_sd"] == pytest.approx(np.std(per_seed, ddof=1))
        assert row["macro_f1_sd"] > 0
        assert row["accuracy"] == pytest.approx(np.mean([1 - (base + k) / N for k in range(3)]))
    table = compare(sweep, "--bootstrap", "0", "--per-run")
    assert len(table["rows"]) == 6 and set(table["keys"]) == {"model.C", "seed"}


def test_ci_and_paired_tests_match_an_independent_computation(sweep):
    B, seed = 100, 7
    result = compare(sweep, "--bootstrap", B, "--seed", seed)
    best, other = result["rows"]
    assert best["best"] and best["keys"]["model.C"] == 4.0 and best["p_bootstrap"] is None
    idx = independent_resamples(IDS, B, seed)
    runs = {C: [read_preds(sweep / str(j)) for j in jobs] for C, jobs in ((4.0, (0, 1, 2)), (1.0, (3, 4, 5)))}
    gold = np.array(runs[4.0][0][0])
    stat = {C: np.mean([[independent_macro_f1(gold[i], np.array(p)[i]) for i in idx] for _, p in rs], axis=0)
            for C, rs in runs.items()}
    assert best["macro_f1_ci"] == pytest.approx(list(np.percentile(stat[4.0], [2.5, 97.5])))
    assert other["macro_f1_ci"] == pytest.approx(list(np.percentile(stat[1.0], [2.5, 97.5])))
    d = stat[1.0] - stat[4.0]
    assert other["delta_ci"] == pytest.approx(list(np.percentile(d, [2.5, 97.5])))
    p = min(1.0, 2 * min((d <= 0).sum() + 1, (d >= 0).sum() + 1) / (B + 1))
    assert other["p_bootstrap"] == pytest.approx(p) and p < 0.05
    # McNemar on each row's majority vote over seeds (one seed at most deviates: no ties)
    vote = {C: [Counter(col).most_common(1)[0][0] for col in zip(*(p for _, p in rs))] for C, rs in runs.items()}
    b = sum(v4 == g != v1 for g, v4, v1 in zip(gold, vote[4.0], vote[1.0]))
    c = sum(v1 == g != v4 for g, v4, v1 in zip(gold, vote[4.0], vote[1.0]))
    assert (other["mcnemar_b"], other["mcnemar_c"]) == (b, c) == (18, 0)
    assert other["p_mcnemar"] == pytest.approx(mcnemar_by_hand(b, c)) and other["p_mcnemar"] < 0.001


def test_a_run_against_itself_is_no_difference_and_a_much_worse_one_is(tmp_path):
    good = make_run(tmp_path, "good", config(4.0), predictions(8))
    shutil.copytree(good, tmp_path / "copy")
    make_run(tmp_path, "bad", config(0.01), predictions(35, shift=10))
    result = compare(good, tmp_path / "copy", tmp_path / "bad", "--per-run", "--bootstrap", "300")
    rows = {Path(r["runs"][0]).name: r for r in result["rows"]}
    best = rows["good"] if rows["good"]["best"] else rows["copy"]
    twin = rows["copy"] if best is rows["good"] else rows["good"]
    assert twin["p_bootstrap"] == 1.0 and twin["p_mcnemar"] == 1.0 and twin["delta"] == 0
    assert twin["delta_ci"][0] <= 0 <= twin["delta_ci"][1]
    assert rows["bad"]["p_bootstrap"] < 0.05 and rows["bad"]["p_mcnemar"] < 0.001
    assert rows["bad"]["delta_ci"][1] < 0
    from actorstance.compare import display_rows

    rendered, _ = display_rows(result)
    assert sorted(r["sig"] for r in rendered) == ["", "no", "yes"]  # best, its twin, the bad run
    assert sorted(Path(r["run"]).name for r in rendered) == ["bad", "copy", "good"]  # which run is which


def test_runs_on_different_examples_are_not_paired(tmp_path):
    make_run(tmp_path, "a", config(4.0), predictions(8))
    other_ids = [f"other{i:03d}" for i in range(N)]
    make_run(tmp_path, "b", config(1.0), predictions(20), ids=other_ids)
    result = compare(tmp_path / "a", tmp_path / "b")
    worse = result["rows"][1]
    assert worse["p_bootstrap"] is None and worse["p_mcnemar"] is None
    assert "not paired" in worse["note"] and worse["macro_f1_ci"] is not None


def test_failed_and_running_runs_are_listed_not_fatal(sweep, tmp_path, cli):
    failed = sweep / "6"
    (failed / ".hydra").mkdir(parents=True)
    (failed / ".hydra" / "config.yaml").write_text(json.dumps(config(-1.0)))
    (failed / "error.json").write_text(json.dumps({"error": "InvalidParameterError", "message": "C must be > 0"}))
    running = sweep / "7"
    (running / ".hydra").mkdir(parents=True)
    (running / ".hydra" / "config.yaml").write_text(json.dumps(config(9.0)))
    p = cli("compare", sweep, "--bootstrap", "50")
    assert p.returncode == 0, p.stderr
    assert "InvalidParameterError: C must be > 0" in p.stdout and "still running" in p.stdout
    assert "2 runs without results" in p.stdout
    p = cli("compare", sweep, "-f", "json", "--bootstrap", "0")
    data = json.loads(p.stdout)
    assert len(data["rows"]) == 2 and {Path(s["run"]).name for s in data["skipped"]} == {"6", "7"}
    assert "still running" in p.stderr  # also said where a CSV/JSON reader will not look

    # nothing to compare: a clear error, exit 2, no traceback
    empty = tmp_path / "empty"
    empty.mkdir()
    for target in (empty, tmp_path / "nope", tmp_path / "nothing*"):
        p = cli("compare", target)
        assert p.returncode == 2 and "no run found" in p.stderr and "Traceback" not in p.stderr
    p = cli("compare", failed)
    assert p.returncode == 2 and "C must be > 0" in p.stderr and "Traceback" not in p.stderr


def test_output_formats_sort_and_plot(sweep, tmp_path, cli):
    out = tmp_path / "cmp.csv"
    p = cli("compare", sweep, "--out", out, "--plot", tmp_path / "cmp.png", "--bootstrap", "100",
                "--sort", "train_seconds")
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["model.C"] for r in rows] == ["4.0", "1.0"] and rows[0]["n"] == "3"
    assert float(rows[1]["p_bootstrap"]) < 0.05 and float(rows[0]["macro_f1_ci_low"]) < float(rows[0]["macro_f1"])
    assert (tmp_path / "cmp.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(tmp_path.glob(".*tmp*"))  # atomic writes leave no temp files

    p = cli("compare", sweep, "-f", "markdown", "--bootstrap", "100", "--sort", "macro_f1", "--ascending")
    lines = p.stdout.splitlines()
    assert lines[0].startswith("| # | model.C | n | macro-F1") and lines[1].startswith("|---|")
    assert lines[2].split(" | ")[1] == "1.0"  # ascending: the worse row first
    assert " ± " in lines[2] and "best" in lines[3]

    p = cli("compare", sweep / "0", sweep / "3", "--bootstrap", "100")  # table (default), two single runs
    assert p.returncode == 0 and "model.C" in p.stdout and "p McNemar" in p.stdout
    p = cli("compare", sweep, "--sort", "bogus")
    assert p.returncode == 2 and "cannot sort by 'bogus'" in p.stderr
    p = cli("compare", str(sweep / "*"), "-f", "json", "--split", "test")
    assert p.returncode == 2 and "no test metrics" in p.stderr


# ---------------------------------------------------------------------------- through train.py
def train_py(tmp_path, *overrides, timeout=300):
    train = write_jsonl(tmp_path / "train.jsonl", tiny_records())
    dev = write_jsonl(tmp_path / "dev.jsonl", [
        {**r, "id": f"d{i}", "text": r["text"].replace("the ", "this ")} for i, r in enumerate(tiny_records())])
    return subprocess.run([sys.executable, str(ROOT / "train.py"), "-m", *overrides, f"data.train={train}",
                           f"data.dev={dev}", "data.test=null", "save_to_models=false"],
                          capture_output=True, text=True, timeout=timeout, cwd=tmp_path,
                          env=dict(os.environ, HF_HUB_OFFLINE="1"))


@pytest.mark.slow
def test_experiment_glob_sweep_then_compare(tmp_path, cli):
    proc = train_py(tmp_path, "experiment=glob(tfidf_*)", "seed=1,2", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    experiments = sorted(p.stem for p in (ROOT / "configs" / "experiment").glob("tfidf_*.yaml"))
    assert len(list((tmp_path / "sweep").glob("*/metrics.json"))) == 2 * len(experiments)
    p = cli("compare", tmp_path / "sweep", "-f", "json", "--bootstrap", "100")
    assert p.returncode == 0, p.stderr
    result = json.loads(p.stdout)
    assert result["keys"][0] == "experiment" and "seed" not in result["keys"] and "data.train" not in result["keys"]
    assert sorted(r["keys"]["experiment"] for r in result["rows"]) == experiments
    assert all(r["n"] == 2 and r["macro_f1_ci"] for r in result["rows"])
    assert all(r["p_bootstrap"] is not None for r in result["rows"] if not r["best"])  # one dev set: paired


@pytest.mark.slow
def test_failed_sweep_job_keeps_the_others_optuna(tmp_path, cli):
    """The Optuna sweeper config (seeded TPE over C here): failing trials are recorded, the others finish."""
    proc = train_py(tmp_path, "hydra/sweeper=optuna_tfidf", "hydra.sweeper.n_trials=3", "hydra.sweeper.params=null",
                    "model.C=choice(1,-1)", f"hydra.sweep.dir={tmp_path / 'opt'}")
    errors = list((tmp_path / "opt").glob("*/error.json"))
    done = list((tmp_path / "opt").glob("*/metrics.json"))
    assert len(errors) + len(done) == 3 and errors and done, proc.stderr[-3000:]
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    s = "s" if len(errors) > 1 else ""
    assert f"{len(errors)} job{s} failed ({len(done)} finished" in proc.stderr
    assert all("model.C=-1" in json.loads(e.read_text())["overrides"] for e in errors)
    assert "best_value: 1.0" in (tmp_path / "opt" / "optimization_results.yaml").read_text()
    p = cli("compare", tmp_path / "opt")
    assert p.returncode == 0 and f"{len(errors)} run{s} without results" in p.stdout and "C' parameter" in p.stdout


@pytest.mark.slow
def test_sweep_on_ray_runs_every_job_and_keeps_a_failed_ones_error(tmp_path, cli):
    """hydra/launcher=ray (a local Ray started for the sweep): each job a Ray task; a failing
    configuration leaves error.json, the others their results, and compare lists both."""
    pytest.importorskip("ray")
    proc = train_py(tmp_path, "hydra/launcher=ray", "hydra.launcher.num_cpus=2", "model.C=1,-1",
                    f"hydra.sweep.dir={tmp_path / 'ray'}")
    assert (tmp_path / "ray" / "0" / "metrics.json").is_file(), proc.stderr[-3000:]
    error = json.loads((tmp_path / "ray" / "1" / "error.json").read_text())
    assert "model.C=-1" in error["overrides"] and not (tmp_path / "ray" / "1" / "metrics.json").exists()
    assert proc.returncode == 1 and "1 job failed (1 finished" in proc.stderr and "Traceback" not in proc.stderr
    assert "Ray (local) is launching 2 jobs" in proc.stdout + proc.stderr
    p = cli("compare", tmp_path / "ray")
    assert p.returncode == 0 and "1 run without results" in p.stdout


def test_sweep_configs_compose():
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose(config_name="train", overrides=["hydra/launcher=parallel", "hydra/sweeper=optuna_tfidf"],
                      return_hydra_config=True)
    assert cfg.hydra.launcher._target_.endswith("JoblibLauncher") and cfg.hydra.launcher.n_jobs == 2
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        ray = compose(config_name="train", overrides=["hydra/launcher=ray"], return_hydra_config=True).hydra.launcher
    assert ray._target_.endswith("RayLauncher") and ray.address is None and ray.cpus_per_job == 1
    sweeper = cfg.hydra.sweeper
    assert sweeper.direction == "maximize" and sweeper.sampler.seed == 0 and "model.C" in sweeper.params
    assert cfg.hydra.callbacks.failed_jobs._target_ == "actorstance.compare.FailedJobsReport"
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()  # the search space must parse as the sweeper will parse it
    for key, value in sweeper.params.items():
        assert parser.parse_override(f"{key}={value}").is_sweep_override()


def test_tables_fit_the_terminal():
    from actorstance.output import render_table

    rows = [{"model.encoding": "markers+pair-with-a-long-name" * 2, "data.train": "/very/long/path/" * 4,
             "macro_f1": 0.8123, "p": "0.004"}] * 3
    for width in (60, 80, 200):
        lines = render_table(rows, max_width=width).splitlines()
        assert max(map(len, lines)) <= max(width, 4 * 8 + 6)
        assert "0.812" in lines[2] and "0.004" in lines[2]  # numbers stay whole
    assert "markers+pair-with-a-long-namemarkers+pa…" in render_table(rows, max_width=200)  # room: cut at 40 only


def kept_copy(run: Path, dest: Path, gold: bool = True) -> Path:
    """``run`` as benchmarks/benchmark.py keeps it: config.yaml at the top (no Hydra choices), metrics.json and each
    split's predictions as one JSON table (public data: without gold)."""
    dest.mkdir(parents=True)
    shutil.copy(run / ".hydra" / "config.yaml", dest / "config.yaml")
    shutil.copy(run / "metrics.json", dest / "metrics.json")
    rows = [json.loads(line) for line in (run / "predictions_dev.jsonl").read_text().splitlines()]
    columns = ["id", "pred", *(f"p_{lab}" for lab in LABELS), *(["gold"] if gold else [])]
    (dest / "predictions_dev.json").write_text(json.dumps({"columns": columns,
                                                           "rows": [[r[c] for c in columns] for r in rows]}))
    return dest


def test_kept_copies_compare_as_the_runs_they_came_from(sweep, tmp_path):
    """The benchmark's kept folders (benchmarks/results/quality_runs/) give the same rows, CIs and tests as the
    runs; the group choice Hydra did not record is the class the group builds."""
    kept = tmp_path / "kept"
    for d in sorted(p for p in sweep.iterdir() if p.is_dir()):
        kept_copy(d, kept / d.name)
    live, copied = compare(sweep), compare(kept)
    assert [r["keys"]["model.C"] for r in copied["rows"]] == [r["keys"]["model.C"] for r in live["rows"]] == [4.0, 1.0]
    for a, b in zip(live["rows"], copied["rows"]):
        assert a["macro_f1_ci"] == b["macro_f1_ci"] and a["p_mcnemar"] == b["p_mcnemar"] and b["n"] == 3

    from actorstance.compare import load_run

    assert load_run(kept / "0").config["model"] == "TfidfStanceModel"


def test_kept_copies_without_gold_or_config_are_named_not_merged(sweep, tmp_path):
    """Public data are kept without gold: no CI, and the note says why. Runs with no config at all cannot be told
    apart, so each is its own row rather than one silent group."""
    runs = sorted(p for p in sweep.iterdir() if p.is_dir())
    kept_copy(runs[0], tmp_path / "public" / "a", gold=False)
    result = compare(tmp_path / "public")
    assert result["rows"][0].get("macro_f1_ci") is None and "holds no gold labels" in result["rows"][0]["note"]
    for name, run in (("x", runs[0]), ("y", runs[3])):  # C=4 and C=1, with their configs gone
        (tmp_path / "bare" / name).mkdir(parents=True)
        shutil.copy(run / "metrics.json", tmp_path / "bare" / name / "metrics.json")
    rows = compare(tmp_path / "bare")["rows"]
    assert len(rows) == 2 and all("(no config found)" in r["label"] for r in rows)
