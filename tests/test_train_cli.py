"""End to end: train.py (Hydra) on a tiny config, then predict and evaluate through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, compose, tiny_records, write_jsonl

PY = sys.executable


def run_cli(*args, stdin: str | None = None, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), HF_HUB_OFFLINE="1")
    return subprocess.run([PY, "-m", "actorstance", *map(str, args)], capture_output=True, text=True,
                          input=stdin, cwd=cwd, env=env, timeout=300)


def tiny_overrides(tmp_path, tiny_jsonl) -> list[str]:
    return [f"data.train={tiny_jsonl}", "data.dev=null", "data.test=null", "data.dev_fraction=0.3",
            f"models_dir={tmp_path / 'models'}"]


def test_training_run_writes_everything(tmp_path, tiny_jsonl):
    from actorstance.training import run

    cfg = compose(tiny_overrides(tmp_path, tiny_jsonl))
    results = run(cfg, tmp_path / "run")
    out = tmp_path / "run"
    metrics = json.loads((out / "metrics.json").read_text())
    dev = metrics["dev"]
    for key in ("macro_f1", "accuracy", "f_avg", "per_class", "confusion_matrix"):
        assert key in dev
    assert set(dev["per_class"]) == {"supportive", "critical", "neutral"}
    assert sum(map(sum, dev["confusion_matrix"]["matrix"])) == dev["n"] > 0
    assert (out / "confusion_dev.png").stat().st_size > 1000
    rows = [json.loads(line) for line in (out / "predictions_dev.jsonl").read_text().splitlines()]
    assert len(rows) == dev["n"] and {"id", "gold", "pred", "p_supportive"} <= set(rows[0])
    assert (out / "model" / "meta.json").is_file()
    latest = (tmp_path / "models" / "LATEST").read_text().strip()
    assert Path(results["published_model"]).name == latest
    meta = json.loads((tmp_path / "models" / latest / "meta.json").read_text())
    assert meta["data"]["fingerprint"] == metrics["data_fingerprint"] and meta["config"]["seed"] == 0


@pytest.mark.slow
def test_runs_started_together_keep_their_own_directories_and_models(tmp_path, tiny_jsonl):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    procs = [subprocess.Popen([PY, str(ROOT / "train.py"), *tiny_overrides(tmp_path, tiny_jsonl), f"seed={s}"],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for s in (1, 2, 3)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    runs = sorted((tmp_path / "outputs").iterdir())
    assert len(runs) == 3
    assert sorted(json.loads((r / "metrics.json").read_text())["seed"] for r in runs) == [1, 2, 3]
    models = tmp_path / "models"
    published = sorted(p.name for p in models.iterdir() if p.name != "LATEST")
    assert len(published) == 3 and (models / "LATEST").read_text().strip() in published


@pytest.mark.slow
def test_train_py_then_predict_and_evaluate(tmp_path, tiny_jsonl):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.run([PY, str(ROOT / "train.py"), *tiny_overrides(tmp_path, tiny_jsonl),
                           f"hydra.run.dir={tmp_path / 'run'}"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "dev macro-F1" in proc.stdout and (tmp_path / "run" / ".hydra" / "config.yaml").is_file()
    model = tmp_path / "run" / "model"

    records = tmp_path / "new.jsonl"
    write_jsonl(records, [{"text": "Senator Ana Diaz praised the trade deal.", "actor": "Ana Diaz", "target": "the trade deal"},
                          {"text": "Kenya condemned the coup in Mali.", "actor": "Kenya", "target": "the coup"}])
    p = run_cli("predict", "--model", model, records, "-f", "jsonl")
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(rows) == 2 and all(abs(r["p_supportive"] + r["p_critical"] + r["p_neutral"] - 1) < 1e-3 for r in rows)
    assert rows[0]["actor_span"] == [8, 16]
    # the same through stdin as CSV, written to a file
    p = run_cli("predict", "--model", model, "-", "--out", tmp_path / "out.csv",
                stdin='text,actor,target\n"Kenya condemned the coup in Mali.",Kenya,the coup\n')
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "out.csv").read_text().splitlines()[0].startswith("id,")
    # without --model: models/LATEST in the working directory
    p = run_cli("predict", records, cwd=tmp_path)
    assert p.returncode == 0 and "Ana Diaz" in p.stdout, p.stderr
    p = run_cli("predict", "--model", model, records, "--int8")
    assert p.returncode == 2 and "--int8 applies to transformer models" in p.stderr
    p = run_cli("predict", "--model", model, records, "--onnx")
    assert p.returncode == 2 and "--onnx applies to transformer models" in p.stderr

    p = run_cli("evaluate", "--model", model, tiny_jsonl, "--out", tmp_path / "m.json")
    assert p.returncode == 0, p.stderr
    assert "macro-F1" in p.stdout and json.loads((tmp_path / "m.json").read_text())["n"] == len(tiny_records())


@pytest.mark.parametrize("content, message", [
    ('{"text": "A met B.", "actor": "A", "target": "B", "label": "neutral"}\n{broken\n', "bad.jsonl:2: invalid JSON"),
    ('{"text": "A met B.", "actor": "A", "target": "B", "label": "maybe"}\n', "bad.jsonl:1: label: unknown label"),
    ('{"text": "A met B.", "target": "B", "label": "neutral"}\n', "bad.jsonl:1: actor: missing field"),
    ('{"text": "A met B.", "actor": "A", "target": "B", "label": "neutral", "actor_span": [2, 5]}\n', "bad.jsonl:1: actor_span:"),
    ("", "no records found"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
    (b"text,actor,target,label\n\xff\xfe bad,A,B,neutral\n", "bad.jsonl:2: not valid UTF-8"),
])
def test_bad_input_gives_one_clear_message(tmp_path, tiny_jsonl, content, message, capsys):
    """In process (the command's own main(); an exception would fail the test): the exit code and the message."""
    from actorstance.cli import main
    from actorstance.models.tfidf import TfidfStanceModel
    from actorstance.data import load

    model = TfidfStanceModel().fit(load(tiny_jsonl)).save(tmp_path / "m")
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    for command in ("evaluate", "predict"):
        extra = ["--out", tmp_path / "o.csv"] if command == "predict" else ["--by", "x"]
        code = main([command, "--model", str(model), str(bad), *map(str, extra)])
        err = capsys.readouterr().err
        if command == "predict" and "label" in message:
            continue  # labels are optional when predicting
        assert code == 2, (command, err)
        assert message in err
    assert not (tmp_path / "o.csv").exists()  # nothing half-written


def test_train_py_reports_bad_data_without_traceback(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "A met B.", "actor": "A", "target": "B", "label": "pro"}\n')
    proc = subprocess.run([PY, str(ROOT / "train.py"), f"data.train={bad}", f"hydra.run.dir={tmp_path / 'r'}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "bad.jsonl:1: label: unknown label 'pro'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r").exists()  # no empty run folder left behind


def test_help_and_tfidf_predict_never_import_torch(tmp_path, tiny_jsonl):
    from actorstance.models.tfidf import TfidfStanceModel
    from actorstance.data import load

    model = TfidfStanceModel().fit(load(tiny_jsonl)).save(tmp_path / "m")
    code = ("import sys, runpy; sys.argv = {argv!r}\n"
            "try:\n    runpy.run_module('actorstance', run_name='__main__')\n"
            "except SystemExit: pass\n"
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'torch imported'\n")
    for argv in (["actorstance", "--help"], ["actorstance", "predict", "--model", str(model), str(tiny_jsonl)]):
        p = subprocess.run([PY, "-c", code.format(argv=argv)], capture_output=True, text=True,
                           env=dict(os.environ, PYTHONPATH=str(ROOT / "src")), timeout=120)
        assert p.returncode == 0, p.stderr


@pytest.mark.slow
def test_multirun_over_seeds(tmp_path, tiny_jsonl):
    proc = subprocess.run([PY, str(ROOT / "train.py"), "-m", "model=tfidf", "seed=1,2",
                           *tiny_overrides(tmp_path, tiny_jsonl), f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for job in ("0", "1"):
        assert (tmp_path / "sweep" / job / "metrics.json").is_file()


@pytest.mark.slow
def test_columns_format_mapping_from_the_command_line(tmp_path, tiny_jsonl):
    from actorstance.data import load
    from actorstance.models.tfidf import TfidfStanceModel

    model = TfidfStanceModel().fit(load(tiny_jsonl)).save(tmp_path / "m")
    data = tmp_path / "foreign.csv"
    data.write_text('sentence,src,ent,stance\n"Kenya condemned the coup in Mali.",Kenya,the coup,AGAINST\n'
                    '"Ghana praised the deal.",Ghana,the deal,FAVOR\n', encoding="utf-8")
    mapping = ["--option", "text=sentence", "--option", "actor=src", "--option", "target=ent", "--option", "label=stance"]
    p = run_cli("evaluate", "--model", model, data, "--format", "columns", *mapping, "--label-map", "stance",
                "--out", tmp_path / "m.json")
    assert p.returncode == 0, p.stderr
    assert json.loads((tmp_path / "m.json").read_text())["per_class"]["critical"]["support"] == 1
    p = run_cli("evaluate", "--model", model, data, "--format", "columns", "--option", "text")
    assert p.returncode == 2 and "expected KEY=VALUE" in p.stderr


@pytest.mark.parametrize("records, expected", [
    (tiny_records()[:1], "the training split is empty"),
    ([r for r in tiny_records() if r["label"] == "critical"], "holds one label only"),
])
def test_training_data_no_classifier_can_learn_from_is_refused(tmp_path, records, expected):
    from actorstance.errors import DataError
    from actorstance.training import run

    for i, r in enumerate(records):
        r["id"], r["group"] = f"r{i}", f"g{i}"
    path = write_jsonl(tmp_path / "train.jsonl", records)
    overrides = [f"data.train={path}", "data.dev=null", "data.test=null", "data.dev_fraction=0.3",
                 "save_to_models=false"]
    with pytest.raises(DataError, match=expected):
        run(compose(overrides), tmp_path / "run")
    assert not (tmp_path / "run" / "model").exists()


@pytest.mark.parametrize("args, expected", [
    (["evaluate", "DATA", "--label-map", "==,x"], "--label-map: expected a map name or ALIAS=LABEL pairs"),
    (["predict", "ARTICLE", "--actors", "ACTORS"], "a JSON list of names must hold strings only"),
    (["predict", "DATA", "-o", "TMP"], "is a directory; give a file name"),
    (["evaluate", "DATA", "--out", "UNDER_FILE"], "part of the path is a file, not a folder"),
    (["evaluate", "DATA", "--predictions", "TMP"], "is a directory"),
])
def test_bad_options_are_one_line_errors(tmp_path, tiny_jsonl, tiny_tfidf_dir, args, expected):
    actors = tmp_path / "actors.json"
    actors.write_text('[1, 2, {"a": 1}]')
    (tmp_path / "file.txt").write_text("x")
    where = {"DATA": tiny_jsonl, "ARTICLE": ROOT / "data" / "articles" / "01-ceasefire-talks.txt", "ACTORS": actors,
             "TMP": tmp_path, "UNDER_FILE": tmp_path / "file.txt" / "m.json"}
    proc = run_cli(*[str(where.get(a, a)) for a in args], "--model", tiny_tfidf_dir)
    assert proc.returncode == 2 and expected in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert "macro" not in proc.stdout  # the error comes before the work, not after its table


@pytest.mark.slow
def test_a_seed_gives_the_same_model_whatever_the_string_hashing(tmp_path, tiny_jsonl):
    """Same seed, two processes with different PYTHONHASHSEED: identical weights and predictions
    (nothing may depend on set or dict-of-hash order)."""
    outs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"run{hash_seed}"
        env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONHASHSEED=hash_seed)
        proc = subprocess.run([PY, str(ROOT / "train.py"), *tiny_overrides(tmp_path, tiny_jsonl), "save_to_models=false",
                               f"hydra.run.dir={out}"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    meta = [json.loads((o / "model" / "meta.json").read_text())["files"] for o in outs]
    assert meta[0] == meta[1]  # every weight file's SHA-256
    assert (outs[0] / "predictions_dev.jsonl").read_text() == (outs[1] / "predictions_dev.jsonl").read_text()


def test_a_dev_split_without_groups_is_warned_about(tmp_path, tiny_jsonl, caplog):
    """data.dev=null on data without a group column splits by sentence: say so (with groups, silence)."""
    import logging

    from actorstance.training import run

    ungrouped = write_jsonl(tmp_path / "ungrouped.jsonl", [{k: v for k, v in r.items() if k != "group"}
                                                          for r in tiny_records()])
    for path, warned in ((ungrouped, True), (tiny_jsonl, False)):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="actorstance.training"):
            run(compose([f"data.train={path}", "data.dev=null", "data.test=null", "data.dev_fraction=0.3",
                         "save_to_models=false"]), tmp_path / f"run-{warned}")
        assert ("no group column" in caplog.text) is warned
