"""Experiment tracking: log a training run to MLflow (``python train.py tracking=mlflow``).

Off by default (``tracking: none``); mlflow is imported only when a run asks for it, so the
package stays optional (``pip install 'actorstance[tracking]'``). :func:`tracked` wraps a run:
it checks the package and the store *before* training (no 20-minute fine-tune ends in an import
error), and afterwards logs the run, or marks it FAILED / KILLED if training raised. A store that
breaks after training only costs the MLflow copy: the run's own outputs are already written.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import time
from pathlib import Path

from .compare import flatten
from .errors import ActorstanceError

log = logging.getLogger(__name__)
EXTRA = "tracking"
TRAINING_LOG = "training_log.json"  # what a transformer's fit leaves in its model directory (per evaluation)
MAX_PARAM_LENGTH = 6000  # MLflow's limit on a parameter value
BATCH = 100  # MLflow takes at most 100 params (1000 metrics) per log_batch


class TrackingError(ActorstanceError):
    """Tracking was asked for but cannot work (package missing, store unusable)."""


def backend(cfg) -> str | None:
    """The tracking backend a config asks for: ``None`` for ``tracking: none``, null or absent."""
    tracking = cfg.get("tracking") if cfg is not None else None
    name = tracking.get("backend") if tracking else None
    return None if name in (None, "", "none") else str(name)


def store_uri(uri: str | None, base_dir: str | Path | None = None) -> str:
    """A tracking URI as MLflow wants it: a plain path (``./mlruns``) becomes an absolute ``file:``
    URI from where train.py was run, so ``mlflow ui`` there finds it; other URIs pass unchanged."""
    uri = str(uri or "mlruns")
    if re.match(r"^[A-Za-z][\w+.-]+:", uri):  # a scheme (two letters at least: C:\ is a path)
        return uri
    path = Path(os.path.expanduser(uri))
    return (path if path.is_absolute() else Path(base_dir or Path.cwd()) / path).resolve().as_uri()




def _key(name: str) -> str:
    """MLflow allows letters, digits, ``_ - . / :`` and spaces in names; slice values may hold more."""
    return re.sub(r"[^\w\-./: ]", "_", name)


def run_metrics(results: dict) -> dict[str, float]:
    """Every number in metrics.json under its dotted path (``dev.macro_f1``, ``test.per_class.critical.f1``,
    ``timings.train_seconds``); the confusion matrix goes in as its plot instead."""
    return {_key(k): float(v) for k, v in flatten(results).items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and ".confusion_matrix." not in k}


def training_curve(model_dir: Path) -> list[tuple[str, float, int]]:
    """``(name, value, step)`` per number in the model's training log: dev macro-F1 and loss at each
    evaluation (``train.dev_macro_f1``, ...) and the summary's totals (``train.best_dev_macro_f1``)."""
    path = Path(model_dir) / TRAINING_LOG
    if not path.is_file():
        return []
    points = []
    for entry in json.loads(path.read_text(encoding="utf-8")):
        step = 0 if entry.get("summary") else int(entry.get("step", 0))
        for name, value in entry.items():
            if name not in ("step", "summary") and isinstance(value, (int, float)) and not isinstance(value, bool):
                points.append((f"train.{name}", float(value), step))
    return points


class MlflowTracker:
    """One training run's MLflow record, created when the run ends (no run stays RUNNING after a crash)."""

    def __init__(self, cfg, output_dir: str | Path, base_dir: str | Path | None = None):
        try:
            from mlflow.tracking import MlflowClient
        except ImportError:
            raise TrackingError(f"tracking=mlflow needs the mlflow package: pip install 'actorstance[{EXTRA}]'") from None
        tracking = cfg.tracking
        self.cfg, self.out = cfg, Path(output_dir)
        self.uri = store_uri(tracking.get("uri"), base_dir)
        if self.uri.startswith("file:"):  # MLflow 3 asks file stores to opt in; ./mlruns is what we promise
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        self.experiment = str(tracking.get("experiment") or cfg.get("data", {}).get("name") or "actorstance")
        self.start_ms = int(time.time() * 1000)
        try:
            self.client = MlflowClient(tracking_uri=self.uri)
            self.experiment_id = self._experiment_id()
        except Exception as exc:
            raise TrackingError(f"mlflow store {self.uri}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None

    def _experiment_id(self) -> str:
        found = self.client.get_experiment_by_name(self.experiment)
        if found is not None:
            return found.experiment_id
        try:
            return self.client.create_experiment(self.experiment)
        except Exception:  # a parallel sweep job created it first
            found = self.client.get_experiment_by_name(self.experiment)
            if found is None:
                raise
            return found.experiment_id

    def _params(self) -> list:
        from mlflow.entities import Param
        from omegaconf import OmegaConf

        config = OmegaConf.to_container(self.cfg, resolve=True)
        return [Param(_key(k)[:250], (v if isinstance(v, str) else json.dumps(v))[:MAX_PARAM_LENGTH])
                for k, v in flatten(config).items()]

    def _create_run(self, name: str, tags: dict):
        run = self.client.create_run(self.experiment_id, start_time=self.start_ms, run_name=name,
                                     tags={"actorstance.run_dir": str(self.out.resolve()), **tags})
        run_id = run.info.run_id
        params = self._params()
        for i in range(0, len(params), BATCH):
            self.client.log_batch(run_id, params=params[i:i + BATCH])
        return run_id

    def finished(self, results: dict) -> str:
        """Log params, metrics, the training curve, plots, metrics.json and the model; return the run id."""
        from mlflow.entities import Metric

        name = f"{results['model']}-{results.get('data')}-s{results['seed']}"
        tags = {"actorstance.model": str(results["model"]), "actorstance.data": str(results.get("data"))}
        if "published_model" in results:
            tags["actorstance.published_model"] = str(results["published_model"])
        run_id = self._create_run(name, tags)
        now = int(time.time() * 1000)
        metrics = [Metric(k, v, now, 0) for k, v in run_metrics(results).items()]
        metrics += [Metric(k, v, now, step) for k, v, step in training_curve(self.out / "model")]
        for i in range(0, len(metrics), 1000):
            self.client.log_batch(run_id, metrics=metrics[i:i + 1000])
        for path in [*sorted(self.out.glob("confusion_*.png")), self.out / "metrics.json"]:
            if path.is_file():
                self.client.log_artifact(run_id, str(path))
        if self.cfg.tracking.get("log_model", True) and (self.out / "model").is_dir():
            self.client.log_artifacts(run_id, str(self.out / "model"), artifact_path="model")
        self.client.set_terminated(run_id, "FINISHED")
        log.info("mlflow: logged run %s to experiment %r at %s", run_id, self.experiment, self.uri)
        return run_id

    def failed(self, exc: BaseException) -> str:
        """A run that raised: its params and the error, marked KILLED (Ctrl-C) or FAILED."""
        run_id = self._create_run(f"failed-{type(exc).__name__}", {"actorstance.error": f"{type(exc).__name__}: {exc}"[:5000]})
        self.client.set_terminated(run_id, "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED")
        return run_id


    def safely(self, log_to_store, arg) -> None:
        """Logging after training must not turn a finished run (or its real error) into another error."""
        try:
            log_to_store(arg)
        except Exception as exc:
            log.error("mlflow: could not log the run to %s (%s: %s); its results are in %s",
                      self.uri, type(exc).__name__, exc, self.out)


@contextlib.contextmanager
def tracked(cfg, output_dir: str | Path, base_dir: str | Path | None = None):
    """Wrap a training run: ``with tracked(...) as record: return record(results)``. Without tracking
    asked for, ``record`` only hands the results back and mlflow is never imported."""
    name = backend(cfg)
    if name is None:
        yield lambda results: results
        return
    if name != "mlflow":
        raise TrackingError(f"tracking.backend: unknown backend {name!r} (known: none, mlflow)")
    tracker = MlflowTracker(cfg, output_dir, base_dir)
    outcome: list[dict] = []

    def record(results: dict) -> dict:
        outcome.append(results)
        return results

    try:
        yield record
    except BaseException as exc:
        tracker.safely(tracker.failed, exc)
        raise
    if outcome:
        tracker.safely(tracker.finished, outcome[0])
