"""Train a stance classifier: ``python train.py [data=...] [model=...] [seed=...]``.

A thin Hydra shell; the work happens in :func:`actorstance.training.run`.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))  # works before `pip install` too

import hydra  # noqa: E402
from hydra.core.hydra_config import HydraConfig  # noqa: E402
from omegaconf import DictConfig  # noqa: E402


@hydra.main(version_base="1.3", config_path="configs", config_name="train")
def main(cfg: DictConfig) -> float | None:
    from actorstance.errors import ActorstanceError
    from actorstance.training import run

    try:
        results = run(cfg, HydraConfig.get().runtime.output_dir, hydra.utils.get_original_cwd())
    except ActorstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    dev = results.get("dev") or results.get("test") or {}
    print(f"{results['model']} on {results['data']} (seed {results['seed']}): "
          + "  ".join(f"{split} macro-F1 {results[split]['macro_f1']:.3f}" for split in ("dev", "test") if split in results))
    if "published_model" in results:
        print(f"model saved to {results['published_model']}")
    return dev.get("macro_f1")  # the value an Optuna sweep maximises


if __name__ == "__main__":
    main()
