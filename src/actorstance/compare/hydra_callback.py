"""The Hydra callback that ends a multirun with its failed jobs named (configs/hydra/default.yaml
targets it as ``actorstance.compare.FailedJobsReport``). Here because it reads the same
``error.json`` files that the comparison lists as failed runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .runs import ERROR_FILE, _natural_key


class FailedJobsReport:
    """Hydra callback (configs/hydra/default.yaml): after a multirun, name the failed jobs and exit 1.

    ``train.py`` already kept the sweep going and left ``error.json`` in each failed job's dir;
    this makes the failures impossible to miss and the command's exit status honest.
    """

    def on_multirun_end(self, config, **kwargs) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        failed = sorted(sweep_dir.rglob(ERROR_FILE), key=_natural_key)
        if not failed:
            return
        lines = []
        for path in failed:
            try:
                err = json.loads(path.read_text(encoding="utf-8"))
                lines.append(f"  {path.parent}: {' '.join(err.get('overrides') or [])}: {err.get('error')}: {err.get('message')}")
            except (OSError, ValueError):
                lines.append(f"  {path.parent}: (unreadable {ERROR_FILE})")
        done = sum(1 for _ in sweep_dir.rglob("metrics.json"))
        print(f"\n{len(failed)} job{'s' if len(failed) != 1 else ''} failed ({done} finished; their results are kept):\n"
              + "\n".join(lines) + f"\ncompare what finished: actorstance compare {sweep_dir}", file=sys.stderr)
        sys.exit(1)

    # the other hooks Hydra calls on every callback
    def on_run_start(self, config, **kwargs) -> None: ...
    def on_run_end(self, config, **kwargs) -> None: ...
    def on_multirun_start(self, config, **kwargs) -> None: ...
    def on_job_start(self, config, **kwargs) -> None: ...
    def on_job_end(self, config, job_return, **kwargs) -> None: ...
