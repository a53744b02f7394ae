"""Train a stance classifier: ``python train.py [data=...] [model=...] [seed=...]``.

A thin Hydra shell; the work happens in :func:`actorstance.training.run`. In a multirun
(``-m``) a job that fails leaves ``error.json`` in its directory and the sweep goes on, so one
bad configuration never costs the others' results; ``actorstance compare`` lists it.
"""

import functools
import logging
import os
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))  # works before `pip install` too

import hydra  # noqa: E402
from hydra.core.hydra_config import HydraConfig  # noqa: E402
from hydra.types import RunMode  # noqa: E402
from omegaconf import DictConfig, OmegaConf  # noqa: E402

from actorstance import distributed  # noqa: E402  (imports no torch unless torchrun started us)

log = logging.getLogger("train")


@functools.cache
def run_stamp() -> str:
    """``DATE-PID`` that names the run directory: runs started in the same second get their own.
    Under torchrun every rank takes rank 0's (each has its own clock reading and pid), so all
    write to one directory; that joins the process group here, before Hydra makes the folder."""
    stamp = f"{time.strftime('%Y-%m-%d_%H-%M-%S')}-{os.getpid()}"
    return distributed.broadcast(stamp, join=True) if distributed.world().size > 1 else stamp


OmegaConf.register_new_resolver("run_stamp", run_stamp, replace=True)
# rank 0 alone saves the config to .hydra/ (``hydra.output_subdir``): null on the other ranks
OmegaConf.register_new_resolver("main_only", lambda value: value if distributed.is_main() else None, replace=True)
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
