"""Train a stance classifier: ``python train.py [data=...] [model=...] [seed=...]``.

A thin Hydra shell; the work happens in :func:`actorstance.training.run`. In a multirun
(``-m``) a job that fails leaves ``error.json`` in its directory and the sweep goes on, so one
bad configuration never costs the others' results; ``actorstance compare`` lists it.
"""

import logging
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))  # works before `pip install` too

import hydra  # noqa: E402
from hydra.core.hydra_config import HydraConfig  # noqa: E402
from hydra.types import RunMode  # noqa: E402
from omegaconf import DictConfig, OmegaConf  # noqa: E402

from actorstance import distributed  # noqa: E402  (imports no torch unless torchrun started us)

log = logging.getLogger("train")
# run directories: DATE-PID, under torchrun rank 0's on every rank (module functions: a joblib
# launcher's worker processes unpickle the resolvers)
OmegaConf.register_new_resolver("run_stamp", distributed.run_stamp, replace=True)
OmegaConf.register_new_resolver("main_only", distributed.main_only, replace=True)
ERROR_FILE = "error.json"  # what a failed multirun job leaves behind (read by actorstance compare)


def _record_failure(exc: BaseException, output_dir: str) -> None:
    from actorstance.errors import ActorstanceError
    from actorstance.metrics import write_json

    hc = HydraConfig.get()
    known = isinstance(exc, ActorstanceError)
    error = {"error": type(exc).__name__, "message": str(exc), "job": hc.job.num,
             "overrides": list(hc.overrides.task),
             "traceback": None if known else traceback.format_exc()}
    write_json(error, Path(output_dir) / ERROR_FILE)
    (Path(output_dir) / "metrics.json").unlink(missing_ok=True)  # an earlier job's, in a reused sweep dir
    log.error("job %s failed (%s): %s -- the sweep goes on; details in %s", hc.job.num, type(exc).__name__,
              exc, Path(output_dir) / ERROR_FILE)


def _discard_empty_run(output_dir: str) -> None:
    """A run stopped by bad input before it wrote anything leaves no ``outputs/DATE`` folder
    (only Hydra's config copy and log were there; the error is printed)."""
    import shutil

    run_dir = Path(output_dir)
    if run_dir.is_dir() and {p.name for p in run_dir.iterdir()} <= {".hydra", "train.log"}:
        shutil.rmtree(run_dir, ignore_errors=True)


@hydra.main(version_base="1.3", config_path="configs", config_name="train")
def main(cfg: DictConfig) -> float | None:
    from actorstance.errors import ActorstanceError
    from actorstance.training import run

    output_dir = HydraConfig.get().runtime.output_dir
    try:
        results = run(cfg, output_dir, hydra.utils.get_original_cwd())
        if not distributed.is_main():
            return None  # rank 0 reports
    except Exception as exc:
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            _record_failure(exc, output_dir)
            return None  # Optuna records the trial as failed; the basic sweeper moves on
        if not isinstance(exc, ActorstanceError):
            raise  # a bug: keep the traceback
        _discard_empty_run(output_dir)
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    (Path(output_dir) / ERROR_FILE).unlink(missing_ok=True)  # an earlier failure in a reused sweep dir
    dev = results.get("dev") or results.get("test") or {}
    print(f"{results['model']} on {results['data']} (seed {results['seed']}): "
          + "  ".join(f"{split} macro-F1 {results[split]['macro_f1']:.3f}" for split in ("dev", "test") if split in results))
    if "published_model" in results:
        print(f"model saved to {results['published_model']}")
    return dev.get("macro_f1")  # the value an Optuna sweep maximises


if __name__ == "__main__":
    main()
