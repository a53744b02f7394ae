"""What a benchmark keeps of a ``train.py`` run, and how it names the machine (shared by the
benchmark scripts that copy runs into benchmarks/results/)."""

from __future__ import annotations

import os
import platform
import shutil
from pathlib import Path


def keep_run(run_dir: Path, keep: Path) -> None:
    """Copy a run's resolved config, its overrides and metrics.json into ``keep`` (not the model)."""
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copy(run_dir / ".hydra" / "config.yaml", keep / "config.yaml")
    shutil.copy(run_dir / ".hydra" / "overrides.yaml", keep / "overrides.yaml")
    shutil.copy(run_dir / "metrics.json", keep / "metrics.json")


def machine() -> str:
    """"x86_64, 2 cores", with the GPU's name where torch sees one (the torch scorer runs there)."""
    try:
        import torch

        gpu = f", {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""
    except ImportError:
        gpu = ""
    return f"{platform.machine()}, {os.cpu_count()} cores{gpu}"


def write_result(out: Path, result: dict) -> None:
    """A benchmark's result file: ``result`` with the command that wrote it (this script and its arguments), when and
    where."""
    import json
    import sys
    from datetime import datetime, timezone

    out.parent.mkdir(parents=True, exist_ok=True)
    command = "python " + str(Path(sys.argv[0]).resolve().relative_to(ROOT)) + "".join(" " + a for a in sys.argv[1:])
    out.write_text(json.dumps({**result, "command": command,
                               "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                               "machine": machine()}, indent=1) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


ROOT = Path(__file__).resolve().parents[1]
#: Where the public data is: ACTORSTANCE_SHARED_DATA, else ../shared/data beside the repository.
SHARED = Path(os.environ.get("ACTORSTANCE_SHARED_DATA", ROOT.parent / "shared" / "data"))


def valid_or_bundled() -> tuple[list, str]:
    """The gold articles a speed or batching benchmark scores: SEESAW valid where the public data is
    (``SHARED``/seesaw), else the bundled articles; and how the report names them."""
    from actorstance.articles.gold import read_bundled, read_seesaw

    if (SHARED / "seesaw").is_dir():
        return list(read_seesaw(SHARED / "seesaw", "valid", "all")), "SEESAW valid (all)"
    return list(read_bundled(ROOT / "data" / "articles")), "data/articles"
