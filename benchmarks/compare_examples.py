"""The sweeps that docs/compare.md shows, run again on the bundled data, with the runs' files kept and compare's
reports written beside them, so that the doc's examples are what `actorstance compare` gives on committed files.

    .venv/bin/python benchmarks/compare_examples.py            # the sweeps (7 min on 2 cores beside a training run), then the reports
    .venv/bin/python benchmarks/compare_examples.py --reports    # only compare again on the kept runs

Each job of a sweep (`python train.py -m ... save_to_models=false`) is kept as benchmarks/results/compare_examples/
SWEEP/N/: its resolved config, metrics.json and dev predictions (benchmark.py's `keep_files`; the bundled data is the
project's own, so ids and gold labels stay), and the Hydra group choices it ran with (`.hydra/hydra.yaml`, that
record alone: compare names a row by them). The reports are `NAME.md`, as COMMANDS writes them (Markdown: a
terminal table cuts long cells); `python benchmarks/benchmark.py --tables` puts them into docs/compare.md, and
tests/test_readme.py runs the commands again and checks that they still give the committed reports.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "compare_examples"
KEPT = "benchmarks/results/compare_examples"

#: Each sweep's train.py overrides (on the bundled data, the default).
SWEEPS = {
    "two-models": ["model=tfidf,embedding", "seed=1,2,3"],
    "tfidf-char-ngrams": ["model=tfidf", "seed=1,2,3", "model.char_ngrams=[2,5],null"],
    "tfidf-experiments": ["experiment=glob(tfidf_*)", "seed=1,2,3"],
    "worse": ["model=tfidf", "model.C=0.01", "seed=1"],
}
#: The reports the doc shows: name -> the compare command (run from the repository root) that writes it.
COMMANDS = {
    "two-models": f"actorstance compare {KEPT}/two-models -f markdown -o {KEPT}/two-models.md",
    "tfidf-char-ngrams": f"actorstance compare {KEPT}/tfidf-char-ngrams -f markdown -o {KEPT}/tfidf-char-ngrams.md",
    "tfidf-experiments": f"actorstance compare {KEPT}/tfidf-experiments -f markdown -o {KEPT}/tfidf-experiments.md",
    "per-run": f"actorstance compare {KEPT}/tfidf-char-ngrams/0 {KEPT}/self-copy {KEPT}/worse/0 --per-run "
               f"-f markdown -o {KEPT}/per-run.md",
}


def keep_job(job: Path, keep: Path) -> None:
    """What compare reads of a job, without the model: config, metrics, dev predictions, the group choices."""
    from benchmark import keep_files  # beside this script

    keep_files(job, keep, public=False)
    (keep / "predictions_test.json").unlink(missing_ok=True)  # compare reads dev by default; half the size
    hydra = yaml.safe_load((job / ".hydra" / "hydra.yaml").read_text(encoding="utf-8"))
    choices = hydra["hydra"]["runtime"]["choices"]
    (keep / ".hydra").mkdir(exist_ok=True)
    (keep / ".hydra" / "hydra.yaml").write_text(yaml.safe_dump({"hydra": {"runtime": {"choices": choices}}}),
                                                encoding="utf-8")


def run_sweeps() -> None:
    for name, overrides in SWEEPS.items():
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "train.py", "-m", *overrides, "save_to_models=false",
                            f"hydra.sweep.dir={tmp}/sweep"], check=True, cwd=ROOT)
            shutil.rmtree(OUT / name, ignore_errors=True)
            for job in sorted((Path(tmp) / "sweep").iterdir()):
                if (job / "metrics.json").is_file():
                    keep_job(job, OUT / name / job.name)
    shutil.rmtree(OUT / "self-copy", ignore_errors=True)
    shutil.copytree(OUT / "tfidf-char-ngrams" / "0", OUT / "self-copy")  # a run against a copy of itself


def write_reports() -> None:
    from actorstance.cli import main

    for command in COMMANDS.values():
        if main(shlex.split(command)[1:]) != 0:
            raise SystemExit(f"error: {command} failed")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", action="store_true", help="only compare again on the kept runs")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.reports:
        run_sweeps()
    os.chdir(ROOT)  # the reports name the runs as the commands give them
    write_reports()
    return 0


if __name__ == "__main__":
    sys.exit(main())
