"""Experiment tracking (tracking=mlflow): what a run logs, read back with MLflow's own client;
the default run never imports mlflow; a clear error when the package is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, compose

PY = sys.executable
LABELS = ("supportive", "critical", "neutral")


def tiny_overrides(tmp_path, tiny_jsonl, *extra) -> list[str]:
    return [f"data.train={tiny_jsonl}", "data.dev=null", f"data.test={tiny_jsonl}", "data.dev_fraction=0.3",
            f"models_dir={tmp_path / 'models'}", *extra]


def client_for(uri: str, monkeypatch):
    mlflow_tracking = pytest.importorskip("mlflow.tracking")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 makes file stores opt in
    return mlflow_tracking.MlflowClient(tracking_uri=uri)


def only_run(client, experiment: str):
    exp = client.get_experiment_by_name(experiment)
    assert exp is not None, [e.name for e in client.search_experiments()]
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 1
    return runs[0]


def test_mlflow_run_logs_params_metrics_and_artifacts(tmp_path, tiny_jsonl, monkeypatch):
    from actorstance.training import run

    pytest.importorskip("mlflow")
    uri = (tmp_path / "store").as_uri()
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)  # the tracker must opt in to a file store itself
    cfg = compose(tiny_overrides(tmp_path, tiny_jsonl, "tracking=mlflow", f"tracking.uri={uri}", "model.C=2.5"))
    results = run(cfg, tmp_path / "run")

    client = client_for(uri, monkeypatch)  # after the run: MLflow caches a store per URI, opted in or not
    r = only_run(client, "bundled")  # the experiment is named after the data by default
    assert r.info.status == "FINISHED" and r.info.run_name == "tfidf-bundled-s0"
    params = r.data.params
    assert params["model.C"] == "2.5" and params["seed"] == "0" and params["data.name"] == "bundled"
    assert params["model._target_"] == "actorstance.models.tfidf.TfidfStanceModel"
    assert params["data.train"] == str(tiny_jsonl) and json.loads(params["model.word_ngrams"]) == [1, 2]
    assert r.data.tags["actorstance.published_model"] == results["published_model"]

    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    logged = r.data.metrics
    for split in ("dev", "test"):
        assert logged[f"{split}.macro_f1"] == pytest.approx(saved[split]["macro_f1"])
        assert logged[f"{split}.accuracy"] == pytest.approx(saved[split]["accuracy"])
        for label in LABELS:
            assert logged[f"{split}.per_class.{label}.f1"] == pytest.approx(saved[split]["per_class"][label]["f1"])
    assert logged["timings.train_seconds"] == pytest.approx(saved["timings"]["train_seconds"])
    assert not any("confusion_matrix" in k for k in logged)

    top = {a.path for a in client.list_artifacts(r.info.run_id)}
    assert top == {"confusion_dev.png", "confusion_test.png", "metrics.json", "model"}
    assert {a.path for a in client.list_artifacts(r.info.run_id, "model")} >= {"model/meta.json", "model/weights.safetensors"}
    copy = client.download_artifacts(r.info.run_id, "metrics.json", str(tmp_path / "dl"))
    assert json.loads(open(copy).read()) == saved


def test_training_curve_is_logged_per_step(tmp_path, monkeypatch):
    """The transformer's per-evaluation dev scores (model/training_log.json) become metric histories."""
    from actorstance.tracking import MlflowTracker

    uri = (tmp_path / "store").as_uri()
    client = client_for(uri, monkeypatch)
    (tmp_path / "run" / "model").mkdir(parents=True)
    log = [{"epoch": 0.5, "step": 10, "loss": 0.9, "dev_macro_f1": 0.4, "seconds": 3.0},
           {"epoch": 1.0, "step": 20, "loss": 0.7, "dev_macro_f1": 0.55, "seconds": 6.1},
           {"summary": True, "best_dev_macro_f1": 0.55, "best_step": 20, "steps": 20}]
    (tmp_path / "run" / "model" / "training_log.json").write_text(json.dumps(log))
    cfg = compose(["tracking=mlflow", f"tracking.uri={uri}", "tracking.experiment=curve", "tracking.log_model=false"])
    tracker = MlflowTracker(cfg, tmp_path / "run")
    run_id = tracker.finished({"model": "transformer", "data": "bundled", "seed": 0, "dev": {"macro_f1": 0.55}})

    history = client.get_metric_history(run_id, "train.dev_macro_f1")
    assert sorted((m.step, m.value) for m in history) == [(10, 0.4), (20, 0.55)]
    assert sorted((m.step, m.value) for m in client.get_metric_history(run_id, "train.loss")) == [(10, 0.9), (20, 0.7)]
    r = client.get_run(run_id)
    assert r.data.metrics["train.best_dev_macro_f1"] == 0.55 and r.data.metrics["dev.macro_f1"] == 0.55
    assert r.info.status == "FINISHED" and not client.list_artifacts(run_id, "model")


def test_a_run_that_fails_is_marked_failed(tmp_path, monkeypatch):
    from actorstance.errors import ActorstanceError
    from actorstance.training import run

    uri = (tmp_path / "store").as_uri()
    client = client_for(uri, monkeypatch)
    cfg = compose(["tracking=mlflow", f"tracking.uri={uri}", "tracking.experiment=broken",
                   f"data.train={tmp_path / 'missing.jsonl'}", "data.dev=null", "data.test=null"])
    with pytest.raises(ActorstanceError):
        run(cfg, tmp_path / "run")
    r = only_run(client, "broken")
    assert r.info.status == "FAILED" and "missing.jsonl" in r.data.tags["actorstance.error"]
    assert r.data.params["data.train"] == str(tmp_path / "missing.jsonl")


@pytest.mark.slow
def test_train_py_logs_to_mlruns_where_it_runs(tmp_path, tiny_jsonl, monkeypatch):
    """The default store: ./mlruns from the directory train.py was started in."""
    client = client_for((tmp_path / "mlruns").as_uri(), monkeypatch)
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_ALLOW_FILE_STORE"}
    proc = subprocess.run([PY, str(ROOT / "train.py"), *tiny_overrides(tmp_path, tiny_jsonl, "tracking=mlflow",
                                                                      "tracking.experiment=cli")],
                          cwd=tmp_path, env=dict(env, HF_HUB_OFFLINE="1"), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    r = only_run(client, "cli")
    assert r.info.status == "FINISHED" and "test.macro_f1" in r.data.metrics


@pytest.mark.slow
def test_default_run_imports_no_mlflow(tmp_path, tiny_jsonl):
    code = ("import sys; from conftest import compose; from actorstance.training import run; "
            f"run(compose({tiny_overrides(tmp_path, tiny_jsonl)!r}), {str(tmp_path / 'run')!r}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'mlflow'))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")]), HF_HUB_OFFLINE="1")
    proc = subprocess.run([PY, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "run" / "metrics.json").is_file() and not (tmp_path / "mlruns").exists()


def test_missing_mlflow_is_one_clear_error_before_training(tmp_path, tiny_jsonl):
    """As if mlflow were not installed (an entry of None in sys.modules makes its import fail)."""
    code = ("import sys, runpy; sys.modules['mlflow'] = None; "
            f"sys.argv = ['train.py', *{tiny_overrides(tmp_path, tiny_jsonl, 'tracking=mlflow')!r}]; "
            f"runpy.run_path({str(ROOT / 'train.py')!r}, run_name='__main__')")
    proc = subprocess.run([PY, "-c", code], cwd=tmp_path, env=dict(os.environ, HF_HUB_OFFLINE="1"),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == "error: tracking=mlflow needs the mlflow package: pip install 'actorstance[tracking]'"
    assert not (tmp_path / "models").exists() and not list(tmp_path.rglob("metrics.json"))  # stopped before training


def test_unknown_backend_is_an_error(tmp_path):
    from actorstance.tracking import TrackingError, tracked

    with pytest.raises(TrackingError, match="unknown backend 'wandb'"):
        with tracked(compose(["tracking.backend=wandb"]), tmp_path):
            pass
