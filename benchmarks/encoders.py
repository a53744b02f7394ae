"""Table of the encoder comparison (MiniLM-L6 against MPNet-base) from the run folders in
benchmarks/results/encoders/: ``python benchmarks/encoders.py`` rewrites its README.md;
``python benchmarks/encoders.py --add RUN_DIR --name NAME`` first copies a ``train.py`` run
made on this machine there, with a ``machine.json`` that names this machine.

Each folder holds what a ``train.py`` run wrote (``config.yaml``, ``overrides.yaml``,
``metrics.json``) and, for NewsMTSC, ``dev_rw.json`` from ``actorstance evaluate``. Folders
without ``machine.json`` were made by benchmarks/device/run.sh on a GPU machine
(benchmarks/device/README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import yaml
from run_record import keep_run, machine

OUT = Path(__file__).resolve().parent / "results" / "encoders"


def _encoder(config: dict) -> str:
    name = Path(str(config["model"]["pretrained"])).name
    encoder = {"mpnet": "all-mpnet-base-v2", "minilm": "all-MiniLM-L6-v2", "default": "all-MiniLM-L6-v2"}.get(name, name)
    teachers = config["model"].get("distill_from")
    if teachers:  # a teacher is named by its run folder (DIR/model -> DIR)
        names = [Path(str(t)).parent.name if Path(str(t)).name == "model" else Path(str(t)).name
                 for t in (teachers if isinstance(teachers, list) else [teachers])]
        encoder += f", distilled from {' + '.join(names)}"
    unlabeled = config["data"].get("unlabeled") or []
    if unlabeled:  # data.unlabeled: records the teacher labels, e.g. seesaw (train, select)
        def what(entry) -> str:
            entry = entry if isinstance(entry, dict) else {"path": entry}
            options = entry.get("options") or {}
            where = ", ".join(str(options[k]) for k in ("split", "part") if k in options)
            return Path(str(entry["path"])).name + (f" ({where})" if where else "")
        encoder += f", + unlabeled {' + '.join(what(e) for e in unlabeled)}"
    return encoder


def rows() -> list[str]:
    out = []
    for run in sorted(p for p in OUT.iterdir() if (p / "metrics.json").is_file()):
        m = json.loads((run / "metrics.json").read_text())
        config = yaml.safe_load((run / "config.yaml").read_text())
        dev_from_train = config["data"].get("dev") in (None, "null")
        picked = f"{int(config['data']['dev_fraction'] * 100)}% of train" if dev_from_train else Path(config["data"]["dev"]).stem
        scored = []  # (split, n, metrics)
        if m["data"] == "park2021":
            scored.append(("dev = the split that picked the epoch (Park has no other)", m["dev"]))
        tests = config["data"].get("test")
        if m.get("test") and isinstance(tests, list):  # several test files (newsmtsc_best): one row per source slice
            for source, s in sorted(m["test"].get("by", {}).get("source", {}).items()):
                scored.append((source.split(":")[-1], s))
        elif m.get("test"):
            scored.append((Path(tests).stem, m["test"]))
        if (run / "dev_rw.json").is_file():
            scored.append(("dev_rw", json.loads((run / "dev_rw.json").read_text())))
        machine = json.loads((run / "machine.json").read_text())["machine"] if (run / "machine.json").is_file() \
            else "GPU (device run)"
        for split, s in scored:
            lines = s.get("park2021_lines")
            line_cell = f"{lines['macro_f1']:.3f} ({lines['n_lines']} lines)" if lines else "-"
            out.append(f"| {run.name} | {_encoder(config)} | {m['data']} | {picked} | {split} | {s['n']} | "
                       f"**{s['macro_f1']:.3f}** | {s['f_avg']:.3f} | {line_cell} | "
                       f"{m['timings']['train_seconds']:.0f} | {machine} | [{run.name}/]({run.name}/) |")
    return out


def add(run_dir: Path, name: str) -> None:
    """Copy a run's config, overrides and metrics here, and say which machine trained it."""
    keep_run(run_dir, OUT / name)
    (OUT / name / "machine.json").write_text(json.dumps({"machine": machine(), "run_dir": str(run_dir),
                                                         "copied": datetime.now(timezone.utc).isoformat(timespec="seconds")},
                                                        indent=1) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--add", type=Path, help="a train.py run directory made on this machine")
    ap.add_argument("--name", help="its folder name here")
    args = ap.parse_args()
    if args.add:
        if not args.name:
            ap.error("--add needs --name")
        add(args.add, args.name)
    text = table()
    (OUT / "README.md").write_text(text)
    print(text)
    return 0


def table() -> str:
    """The README: the table of every run folder here."""
    head = ("| run | encoder | data | epoch picked on | scored on | n | macro-F1 | F_avg | Park 5-class line macro-F1 | "
            "train s | trained on | files |\n|" + "---|" * 12)
    return ("# Encoders: all-MiniLM-L6-v2 against all-mpnet-base-v2\n\n"
            "Generated by `python benchmarks/encoders.py` from the run folders here (do not edit by hand). "
            "One seed per run (0, or the -sN of its name); the GPU rows trained both encoders the same way in one device run "
            "(benchmarks/device/run.sh); rows trained on this project's 2-core CPU say so, with their own "
            "overrides (overrides.yaml). macro-F1 over supportive/critical/neutral of the directed "
            "examples; the Park line figure rebuilds one of Park et al.'s five classes per sentence from the two "
            "directions (the more confident wins when both are polar). Park 2021 publishes no dev set: its dev "
            "(10% of train by sentence) both picks the epoch and is scored, so its figures are optimistic; "
            "NewsMTSC picks on 10% of train and is scored on the authors' dev_mt and dev_rw, which picked "
            "nothing.\n\n" + head + "\n" + "\n".join(rows()) + "\n")


if __name__ == "__main__":
    sys.exit(main())
