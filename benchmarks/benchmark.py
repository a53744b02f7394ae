"""Quality benchmark on public news stance data (run on purpose; not part of the tests).

    .venv/bin/python benchmarks/benchmark.py                          # tfidf, park2021 + newsmtsc, seeds 1,2,3
    .venv/bin/python benchmarks/benchmark.py --models transformer --seeds 1 --override model.epochs=3

For every model config (``configs/model/NAME.yaml``), data config (``configs/data/NAME.yaml``)
and seed it composes the training config exactly as ``python train.py model=M data=D seed=S``
would, trains through :func:`actorstance.training.run`, and scores the dev (and test) splits
the data config names. Results are merged into ``benchmarks/results/quality.json`` (one
entry per model, overrides and data set: a rerun replaces its own entry) and rendered as
``benchmarks/results/quality.md``, each entry with its command, machine, date and versions; each run's
resolved config, metrics and predictions are kept under ``benchmarks/results/quality_runs/``.

    .venv/bin/python benchmarks/benchmark.py --tables   # rewrite every generated table of README.md and RESULTS.md

The tables (macro-F1, the article scorers, speed) are rendered from the result files between marker comments, so
that no reported number is typed by hand; a test checks that they agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from actorstance import LABELS  # noqa: E402
from actorstance.output import write_text as write_atomic  # noqa: E402

#: What each data config's splits are, for the table (other data configs show "dev"/"test").
SPLIT_NAMES = {
    "park2021": {"dev": "dev (10% of train.txt, by sentence)"},
    "newsmtsc": {"dev": "dev_rw", "test": "dev_mt"},
    "park2021_to_newsmtsc": {"dev": "park2021 dev split", "test": "newsmtsc dev_rw"},
    "newsmtsc_to_park2021": {"dev": "newsmtsc dev_rw", "test": "park2021 train.txt (all)"},
}
VERSIONED = ("actorstance", "scikit-learn", "numpy", "datasets", "hydra-core", "torch", "transformers",
             "onnxruntime", "sentence-transformers")


def shared_data_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("ACTORSTANCE_SHARED_DATA") or ROOT.parent / "shared" / "data").resolve()


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            # timings are only comparable on an otherwise idle machine: say how busy it was
            "load_average_at_start": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None}
    if shutil.which("nvidia-smi"):
        try:
            gpus = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                                  text=True, timeout=20).stdout.strip()
            info["gpu"] = ", ".join(gpus.splitlines()) or None
        except (OSError, subprocess.SubprocessError):
            pass
    return info


def versions() -> dict:
    out = {}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def compose(overrides: list[str]):
    from hydra import compose as hydra_compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        return hydra_compose(config_name="train", overrides=overrides)


def mean_sd(values: list[float]) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"mean": None, "sd": None}
    return {"mean": statistics.fmean(values), "sd": statistics.stdev(values) if len(values) > 1 else None}


def summarise(runs: list[dict], split: str) -> dict:
    """Mean and sample standard deviation over seeds of every reported number for one split."""
    rows = [r[split] for r in runs]
    out = {
        "n": rows[0]["n"],
        "macro_f1": mean_sd([m["macro_f1"] for m in rows]),
        "accuracy": mean_sd([m["accuracy"] for m in rows]),
        "f_avg": mean_sd([m["f_avg"] for m in rows]),
        "per_class_f1": {lab: mean_sd([m["per_class"][lab]["f1"] for m in rows]) for lab in LABELS},
        "support": {lab: rows[0]["per_class"][lab]["support"] for lab in LABELS},
        "sentences_per_second": mean_sd([m.get("sentences_per_second") for m in rows]),
    }
    if any("park2021_lines" in m for m in rows):  # Park et al.'s own yardstick: one of 5 classes per sentence
        out["park2021_lines"] = {"n": rows[0]["park2021_lines"]["n_lines"],
                                 "macro_f1": mean_sd([m.get("park2021_lines", {}).get("macro_f1") for m in rows])}
    sources = rows[0].get("by", {}).get("source", {})
    if len(sources) > 1:  # a pooled split (combined data): each source's own scores too
        out["by_source"] = {src: {"n": sources[src]["n"],
                                  **{k: mean_sd([m["by"]["source"][src][k] for m in rows])
                                     for k in ("macro_f1", "accuracy", "f_avg")}} for src in sources}
    return out


def describe_splits(data_cfg) -> dict:
    """What a run's dev and test splits are, read from its data config: "dev_rw", "10% of train",
    "dev_rw + dev_mt" (the table's "split" column)."""
    def stem(entry) -> str:
        path = entry if isinstance(entry, str) else entry.get("path", "")
        return Path(str(path)).stem

    names = {}
    dev, test = data_cfg.get("dev"), data_cfg.get("test")
    if dev:
        names["dev"] = " + ".join(stem(d) for d in (dev if not isinstance(dev, str) and "path" not in dev else [dev]))
    elif data_cfg.get("dev_fraction"):
        names["dev"] = f"{float(data_cfg['dev_fraction']):.0%} of train"
    if test:
        names["test"] = " + ".join(stem(t) for t in (test if not isinstance(test, str) and "path" not in test
                                                     else [test]))
    return names


def keep_files(run_dir: Path, keep: Path, public: bool) -> None:
    """Keep what a committed table row rests on: the resolved config, metrics.json and each scored split's
    predictions (id, predicted stance, probabilities). The public data sets are not ours to copy: their rows keep
    no gold label, and their ids (NewsMTSC's hold the mention's words) are kept as SHA-256 digests, which join to
    the data for whoever has it (``public_id``)."""
    keep.mkdir(parents=True, exist_ok=True)
    write_atomic((run_dir / ".hydra" / "config.yaml").read_text(encoding="utf-8"), keep / "config.yaml")
    write_atomic((run_dir / "metrics.json").read_text(encoding="utf-8"), keep / "metrics.json")
    scores = ["pred", *(f"p_{lab}" for lab in LABELS)]
    for path in sorted(run_dir.glob("predictions_*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if public:
            table = {"columns": ["id_sha256", *scores], "rows": [[public_id(r["id"]), *(r.get(f) for f in scores)]
                                                                  for r in rows]}
        else:
            fields = ["id", *scores, "gold"]
            table = {"columns": fields, "rows": [[r.get(f) for f in fields] for r in rows]}
        write_atomic(json.dumps(table, separators=(",", ":")) + "\n", keep / (path.stem + ".json"))


def public_id(record_id: str) -> str:
    """A public data set's record id as kept in committed files: its SHA-256 digest, not its words."""
    return hashlib.sha256(str(record_id).encode("utf-8")).hexdigest()[:16]


def slug(label: str) -> str:
    """A folder name for a table row's label ("transformer experiment=park2021_best" -> transformer__experiment-park2021_best)."""
    return "__".join(part.replace("=", "-").replace("/", "-") for part in label.split())


def run_one(model: str, data: str, seed: int, overrides: list[str], workdir: Path, resume: bool = False,
            keep: Path | None = None) -> dict:
    """Train and score one configuration; with ``resume``, reuse a finished run of the same config; with
    ``keep``, copy its config, metrics and predictions there (see :func:`keep_files`)."""
    from omegaconf import OmegaConf

    from actorstance.training import run

    cfg = compose([f"model={model}", f"data={data}", f"seed={seed}", "save_to_models=false", *overrides])
    out = workdir / model / data / f"seed{seed}"
    saved_cfg, metrics = out / ".hydra" / "config.yaml", out / "metrics.json"
    if resume and saved_cfg.is_file() and metrics.is_file() and \
            OmegaConf.to_yaml(OmegaConf.load(saved_cfg)) == OmegaConf.to_yaml(cfg):
        results = json.loads(metrics.read_text(encoding="utf-8"))
        logging.getLogger(__name__).info("%s: finished run of the same config reused (--resume)", out)
    else:
        if out.exists():
            shutil.rmtree(out)
        results = run(cfg, out, base_dir=ROOT)
        saved_cfg.parent.mkdir(exist_ok=True)
        OmegaConf.save(cfg, saved_cfg)  # where train.py's runs keep it (speed.py --int8-agreement reads it)
    if keep is not None:
        keep_files(out, keep / f"seed{seed}", public=data != "bundled")
    return {k: results[k] for k in ("seed", "n_train", "timings", "data_fingerprint") if k in results} | {
        k: results[k] for k in ("dev", "test") if k in results} | {"split_names": describe_splits(cfg.data)}


def fmt(stat: dict | None, digits: int = 3) -> str:
    if not stat or stat.get("mean") is None:
        return "–"
    text = f"{stat['mean']:.{digits}f}"
    return text + (f" ± {stat['sd']:.{digits}f}" if stat.get("sd") is not None else "")


def split_name(entry: dict, split: str) -> str:
    """The split's description: what the run's config said where an experiment may have changed the data config's
    splits (``describe_splits``), else SPLIT_NAMES, else "dev"/"test"."""
    if "experiment=" in entry["label"] and split in entry.get("split_names", {}):
        return entry["split_names"][split]
    return SPLIT_NAMES.get(entry["data"], {}).get(split, split)


def render_markdown(entries: list[dict]) -> str:
    lines = ["# Quality on public news stance data", "",
             "Written by `benchmarks/benchmark.py` (do not edit by hand). Mean ± sample standard deviation",
             "over seeds; macro-F1 over supportive/critical/neutral; F_avg = mean F1 of supportive and critical.",
             "Train seconds include the model's own dev evaluation; predict speed is sentences per second on",
             "the split shown (batch prediction, one process). Data: `../shared/data` (README there).",
             "Dev splits cut from a training file use `data.split_seed` (0 in the configs: the same dev",
             "sentences for every seed) unless the row's overrides say otherwise.", ""]
    lines += render_rows(entries).splitlines()
    lines += ["", "## Runs", ""]
    for e in entries:
        v = ", ".join(f"{k} {val}" for k, val in e["versions"].items())
        m = e["machine"]
        hw = f"{m['cpu']}, {m['cores']} cores" + (f", GPU {m['gpu']}" if m.get("gpu") else "")
        lines += [f"- **{e['label']} on {e['data']}** (seeds {', '.join(map(str, e['seeds']))}; "
                  f"{e['n_train']} training examples), {e['date']}", f"  - command: `{e['command']}`",
                  f"  - machine: {hw}; Python {m['python']}; load average at start "
                  f"{m.get('load_average_at_start')}", f"  - versions: {v}"]
    return "\n".join(lines) + "\n"


def render_rows(entries: list[dict]) -> str:
    """One table row per entry and split (and per source of a pooled split), every figure as mean ± sd."""
    header = ("| model | data | split | n | seeds | macro-F1 | accuracy | F_avg | F1 supportive | F1 critical "
              "| F1 neutral | train s | predict sent/s |")
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for e in entries:
        for split, s in e["splits"].items():
            pc = s["per_class_f1"]
            lines.append(f"| {e['label']} | {e['data']} | {split_name(e, split)} | {s['n']} "
                         f"| {len(e['seeds'])} | {fmt(s['macro_f1'])} | {fmt(s['accuracy'])} | {fmt(s['f_avg'])} "
                         f"| {fmt(pc['supportive'])} | {fmt(pc['critical'])} | {fmt(pc['neutral'])} "
                         f"| {fmt(e['train_seconds'], 1)} | {fmt(s['sentences_per_second'], 0)} |")
            for src, b in s.get("by_source", {}).items():
                lines.append(f"| {e['label']} | {e['data']} | {split}: source {src} | {b['n']} | {len(e['seeds'])} "
                             f"| {fmt(b['macro_f1'])} | {fmt(b['accuracy'])} | {fmt(b['f_avg'])} | | | | | |")
    return "\n".join(lines) + "\n"


#: The headline table of README.md and RESULTS.md: per row and column, the quality.json entry (label, data config) and
#: the split it is read from: "dev", "test", "test:SOURCE" (one source of a pooled split) or "dev:lines" (Park's
#: 5-class line macro-F1); a cell without an entry shows "-". NewsMTSC's transformer cell is the recipe that picks
#: its epoch on 10% of train and scores dev_rw and dev_mt unseen (experiment=newsmtsc_best).
NEWSMTSC_RECIPE = "transformer experiment=newsmtsc_best"
PARK_RECIPE = "transformer experiment=park2021_best"
BUNDLED_RECIPE = "transformer experiment=transformer_small_data model.progress=false"
HEADLINE_COLUMNS = ("tfidf", "embedding", "transformer (MiniLM-L6, CPU)")
HEADLINE_ROWS = {
    "NewsMTSC dev_rw": [("tfidf", "newsmtsc", "dev"), ("embedding", "newsmtsc", "dev"),
                        (NEWSMTSC_RECIPE, "newsmtsc", "test:newsmtsc:dev_rw")],
    "NewsMTSC dev_mt": [("tfidf", "newsmtsc", "test"), ("embedding", "newsmtsc", "test"),
                        (NEWSMTSC_RECIPE, "newsmtsc", "test:newsmtsc:dev_mt")],
    "Park 2021 dev (10% of train by sentence; it also picks the transformer's epoch)": [
        ("tfidf", "park2021", "dev"), ("embedding", "park2021", "dev"), (PARK_RECIPE, "park2021", "dev")],
    "Park 2021 dev lines, 5-class macro-F1": [
        ("tfidf", "park2021", "dev:lines"), ("embedding", "park2021", "dev:lines"), (PARK_RECIPE, "park2021", "dev:lines")],
    "bundled test": [("tfidf", "bundled", "test"), None, (BUNDLED_RECIPE, "bundled", "test")],
}


def markers(name: str) -> tuple[str, str]:
    """The comments that enclose a generated table in README.md or RESULTS.md."""
    return (f"<!-- {name}-table:start (python benchmarks/benchmark.py --tables) -->", f"<!-- {name}-table:end -->")


TABLE_START, TABLE_END = markers("quality")
#: Each generated table and the files it appears in.
TABLE_FILES = {"quality": ("README.md", "benchmarks/RESULTS.md"), "articles": ("README.md", "benchmarks/RESULTS.md"),
               "speed": ("README.md", "benchmarks/RESULTS.md"), "articles-previous": ("benchmarks/RESULTS.md",),
               "tfidf-public": ("docs/public-data.md",), "compare": ("README.md", "benchmarks/RESULTS.md"),
               "int8-agreement": ("benchmarks/RESULTS.md",),
               **{f"compare-{name}": ("docs/compare.md",) for name in ("two-models", "tfidf-char-ngrams",
                                                                        "tfidf-experiments", "per-run")}}


def _cell_scores(entry: dict, where: str) -> dict:
    """{"n", "macro_f1": {"mean", "sd"}} of one entry at "dev", "test", "test:SOURCE" or "dev:lines"."""
    split, _, part = where.partition(":")
    scores = entry["splits"].get(split, {})
    if part == "lines":
        return scores.get("park2021_lines", {})
    return scores.get("by_source", {}).get(part, {}) if part else scores


def render_headline(entries: list[dict]) -> str:
    """The headline macro-F1 table, each cell the mean ± sd over seeds of one quality.json entry, and below it
    which run each transformer cell is: its command, seeds, per-seed scores and date."""
    by_key = {(e["label"], e["data"]): e for e in entries}
    header = "| data, split (n) | " + " | ".join(HEADLINE_COLUMNS) + " |"
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    used = []
    for name, cells_spec in HEADLINE_ROWS.items():
        cells, n = [], None
        for column, spec in zip(HEADLINE_COLUMNS, cells_spec):
            e = spec and by_key.get(spec[:2])
            scores = _cell_scores(e, spec[2]) if e else {}
            stat = scores.get("macro_f1")
            if not stat or stat.get("mean") is None:
                cells.append("-")
                continue
            n = scores["n"]
            text = f"{stat['mean']:.3f}" + (f" ± {stat['sd']:.3f}" if stat.get("sd") is not None else "")
            seeds = len(e["seeds"])
            cells.append((f"**{text}**" if column.startswith("transformer") else text)
                         + f" ({seeds} seed{'s' if seeds > 1 else ''})")
            if column.startswith("transformer") and e not in used:
                used.append(e)
        lines.append(f"| {name} ({'-' if n is None else f'{n:,}'}) | " + " | ".join(cells) + " |")
    lines += ["", "Generated from `benchmarks/results/quality.json` by `python benchmarks/benchmark.py --tables` (do not",
              "edit by hand); each run's config, metrics and predictions are in `benchmarks/results/quality_runs/` (for the",
              "public data sets without gold labels, and with each id as its SHA-256 digest: no words of the data).",
              "Mean ± sample standard deviation over seeds. The transformer cells:", ""]
    for e in used:
        per_seed = " / ".join(f"{r['dev']['macro_f1']:.3f}" for r in e["runs"])
        lines.append(f"- {e['data']}: `{e['command']}` ({e['date']}; macro-F1 by seed on the split that picked the "
                     f"epoch, {split_name(e, 'dev')}: {per_seed}; "
                     f"train {e['train_seconds']['mean']:.0f} s per seed)")
    return "\n".join(lines) + "\n"


def reports(*stems: str) -> dict[str, list[str]]:
    """The reports of runs scored on all three sets: ``articles_seesaw.py --name STEM`` wrote STEM-seesaw-train-select,
    STEM-seesaw-valid and STEM-bundled."""
    return {"select": [f"{s}-seesaw-train-select" for s in stems], "valid": [f"{s}-seesaw-valid" for s in stems],
            "bundled": [f"{s}-bundled" for s in stems]}


#: The article scorers the README reports, each with the evaluate-articles reports (file stems in
#: benchmarks/results/articles/) that its cells average: SEESAW train's select part (which chose settings), SEESAW
#: valid (reported, never chosen on) and the bundled articles.
ARTICLE_ROWS = {
    "MiniLM span scorer, `python train.py experiment=articles seed=S` (recommended)":
        reports("minilm-mil-cand23", "minilm-mil-s1-cand23", "minilm-mil-s2"),
    "from raw text too: MPNet trained on the listed pairs (`experiment=articles_listed_mpnet`), with `--focus` "
    "(only the pairs between the names its selector predicts each article is about; the first selector, bar 0.25)":
        reports("mpnet-listed-focus", "mpnet-listed-s1-focus"),
    "the same scorers with the selector of name priors (how often the other fit stories list a name they mention; "
    "bar 0.3; `benchmarks/fit_focus.py`)": reports("mpnet-listed-prior-focus", "mpnet-listed-s1-prior-focus"),
    "MiniLM taught by it (`experiment=articles_listed_distilled`, one seed), with `--focus`":
        reports("minilm-listed-distilled-focus"),
    "MiniLM trained on the listed pairs (`experiment=articles_listed`, one seed), with `--focus`": reports("minilm-listed-focus"),
    "MiniLM trained on the pairs `--focus` keeps, `python train.py experiment=articles_focus seed=S`, with "
    "`--focus`": reports("minilm-focus", "minilm-focus-s1", "minilm-focus-s2"),
    "`experiment=articles_focus` as it now trains: on the pairs the selector of name priors keeps (one seed), with "
    "`--focus`": reports("minilm-focus2"),
    "MPNet trained on the pairs `--focus` keeps, `python train.py experiment=articles_focus_mpnet seed=S` (one seed), "
    "with `--focus`, int8 without fp32 rechecks (trained and scored with the first selector)": reports("mpnet-focus"),
    "the same scorer with the selector of name priors": reports("mpnet-focus-prior"),
    "`experiment=articles_focus_mpnet` as it now trains: on the pairs the selector of name priors keeps (one seed), "
    "with `--focus`": reports("mpnet-focus2"),
    "the two MPNet listed scorers (seeds 0 and 1) as one scorer (`--model SEED0 --model SEED1`: the mean of "
    "their probabilities), with `--focus`": reports("mpnet-listed-ens2-focus"),
    "the recommended scorer, given the names studied (`--listed-only`: SEESAW's entity list of each article; "
    "bundled: `--actors data/articles/actors.json`)":
        reports("minilm-mil-listed", "minilm-mil-s1-listed", "minilm-mil-s2-listed"),
    "trained on those pairs, `python train.py experiment=articles_listed seed=S` (stances weighed by "
    "`model.class_weight: sqrt`, NewsMTSC's train split beside SEESAW's), with `--listed-only`":
        reports("minilm-listed-newsmtsc", "minilm-listed-newsmtsc-s1", "minilm-listed-newsmtsc-s2"),
    "MPNet trained on those pairs on 2 CPU cores, `python train.py experiment=articles_listed_mpnet seed=S` "
    "(SEESAW's pairs and the bundled sentences only), with `--listed-only`, int8 without fp32 rechecks":
        reports("mpnet-listed-recheck0", "mpnet-listed-s1"),
    "MiniLM taught by that MPNet scorer, `python train.py experiment=articles_listed_distilled "
    "model.distill_from=TEACHER` (one seed), with `--listed-only`": reports("minilm-listed-distilled"),
    "`experiment=articles_listed` without NewsMTSC, with `--listed-only`":
        reports("minilm-listed-cw", "minilm-listed-cw-s1", "minilm-listed-cw-s2"),
    "the same without NewsMTSC nor class weights (`model.class_weight=null`), with `--listed-only`":
        reports("minilm-listed", "minilm-listed-s1", "minilm-listed-s2"),
    "the recommended recipe with NewsMTSC's train split beside its data (one seed)": reports("minilm-mil-newsmtsc"),
    "the recommended recipe with `'+data.train.0.options.drop_uncertain_holders=true'`":
        reports("minilm-mil-dh", "minilm-mil-dh-s1"),
    "the recommended recipe with `model.class_weight=sqrt` (stances weigh more in the loss)":
        reports("minilm-mil-cw", "minilm-mil-cw-s1"),
    "tfidf, `experiment=articles_tfidf`": reports("tfidf-articles-cand23"),
    "the same with `--listed-only`": reports("tfidf-articles-cand23-listed"),
    "tfidf trained on the listed pairs (`experiment=articles_tfidf '+data.train.0.options.listed_only=true' "
    "'+data.dev.0.options.listed_only=true'`), with `--listed-only`": reports("tfidf-articles-listed"),
    "MiniLM taught by nine MiniLM runs, `experiment=articles_distilled` (earlier recipe and candidates)": {
        "select": ["minilm-ens9-distilled-salient0-seesaw-train-select"],
        "valid": ["minilm-ens9-distilled-salient0-seesaw-valid", "minilm-ens9-distilled-s1-salient0-seesaw-valid",
                  "minilm-ens9-distilled-s2-salient0-seesaw-valid"], "bundled": []},
    "MPNet, `experiment=articles_mpnet` trained on a GPU (earlier recipe and candidates, `--salient 2`)": {
        "select": ["mpnet-between-park-gpu-select-seesaw-train-select"], "valid": ["mpnet-between-park-gpu-seesaw-valid"],
        "bundled": ["mpnet-between-park-gpu-bundled"]},
}


def _stat_cell(values: list[float], bold: bool = False) -> str:
    """mean ± sd (n seeds) of one figure over the reports of a cell; "-" where there are none."""
    if not values:
        return "-"
    text = f"{statistics.mean(values):.3f}" + (f" ± {statistics.stdev(values):.3f}" if len(values) > 1 else "")
    return (f"**{text}**" if bold else text) + (f" ({len(values)} seeds)" if len(values) > 1 else "")


def render_articles(folder: Path) -> str:
    """The article scorers end to end (supportive/critical triples per sentence, lenient names), from the
    evaluate-articles reports named in ARTICLE_ROWS."""
    load = lambda stem: json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))  # noqa: E731
    lines = ["| scorer | select triple F1 | valid triple P | valid triple R | valid triple F1 | valid pair recall | "
             "bundled triple F1 | valid sentences/s | scored |", "|" + "---|" * 9]
    for name, files in ARTICLE_ROWS.items():
        sel, val, bun = ([load(f) for f in files[k]] for k in ("select", "valid", "bundled"))
        speeds = [r["timings"]["sentences_per_s"] for r in val]
        machines = {r.get("machine", "") for r in val if not r.get("machine", "").endswith(", 2 cores")}
        speed = (f"{min(speeds):.1f}" if len(speeds) == 1 else f"{min(speeds):.1f}-{max(speeds):.1f}") + \
            (f" ({', '.join(sorted(machines))})" if machines else "")
        when = sorted({r["when"][:10] for r in val})
        lines.append(f"| {name} | {_stat_cell([r['triples']['f1'] for r in sel])} | "
                     + " | ".join(_stat_cell([r["triples"][k] for r in val], bold=k == "f1")
                                  for k in ("precision", "recall", "f1"))
                     + f" | {_stat_cell([r['stages']['pair_recall'] for r in val])} | "
                     f"{_stat_cell([r['triples']['f1'] for r in bun])} | {speed} | {', '.join(when)} |")
    lines += ["", "Generated from the `actorstance evaluate-articles` reports in `benchmarks/results/articles/` (each "
              "holds its command) by `python benchmarks/benchmark.py --tables` (do not edit by hand). Mean ± sd over "
              "seeds; select = the fifth of SEESAW's train stories that picks epochs and settings, valid = SEESAW "
              "valid (105 articles, never chosen on), bundled = `data/articles/`; int8 where the model has an int8 "
              "copy, 2 CPU cores unless the speed names another machine. The reports:", ""]
    for name, files in ARTICLE_ROWS.items():
        stems = [f for k in ("select", "valid", "bundled") for f in files[k]]
        lines.append(f"- {name}: " + ", ".join(f"`{f}`" for f in stems))
    return "\n".join(lines) + "\n"


def render_speed(speed: dict) -> str:
    """The transformer's prediction paths side by side (benchmarks/speed.py's speed.json)."""
    cut, written = speed["prediction"][0], speed["prediction"][1]
    as_written = {r["path"]: r for r in written["rows"]}
    lines = [f"| path | sentences/s, {cut['mean_tokens']} tokens | x HF pipeline (bs 1) | same as fp32 | "
             f"sentences/s as written, {written['mean_tokens']} tokens (same as fp32) |", "|" + "---|" * 5]
    for r in cut["rows"]:
        w = as_written.get(r["path"])
        lines.append(f"| {r['path']} | **{r['sentences_per_second']}** | {r['speed_vs_pipeline_bs1']}x | "
                     f"{r['same_prediction_as_fp32']:.2%} | "
                     + (f"{w['sentences_per_second']} ({w['same_prediction_as_fp32']:.2%})" if w else "-") + " |")
    t = speed["training"]
    lines += ["", f"Training: {t['examples']} examples of {t['mean_tokens']} tokens on average, batch {t['batch_size']}: "
              f"**{t['examples_per_second']} examples/s**, peak RSS {t['peak_rss_mb']:,.0f} MB.", "",
              f"Generated from `benchmarks/results/speed.json` by `python benchmarks/benchmark.py --tables`; written by "
              f"`{speed['command']}` ({speed['machine']['cores']} cores, load average {speed['machine']['load_average_at_start']} "
              f"at the start; median of {cut['repeats']} timings per path, all paths on the same {cut['n']} sentences)."]
    return "\n".join(lines) + "\n"


#: The previous article pipeline's reports (benchmarks/articles.py): named actors only, every actor pair.
PREVIOUS_ARTICLE_REPORTS = ("articles.json", "articles-transformer.json", "articles-transformer-int8.json")


def render_articles_previous(results: Path) -> str:
    """The previous article pipeline on the bundled articles (benchmarks/articles.py's reports), kept for the record."""
    lines = ["| report | model | triple P / R, all labels | polar P / R | gold pairs reaching the model | "
             "sentences/s end to end | date |", "|" + "---|" * 7]
    for name in PREVIOUS_ARTICLE_REPORTS:
        r = json.loads((results / name).read_text(encoding="utf-8"))
        q = r["quality"]
        model = r["model_family"] + (" int8" if r.get("int8") else " fp32" if r["model_family"] == "transformer" else "")
        lines.append(f"| [{name}](results/{name}) | {model} | {q['rows_all']['precision']:.3f} / {q['rows_all']['recall']:.3f} | "
                     f"{q['rows_polar']['precision']:.3f} / {q['rows_polar']['recall']:.3f} | {q['pair_recall']:.3f} | "
                     f"{r['speed']['sentences_per_s']} | {r['date']} |")
    lines += ["", "Generated from those reports by `python benchmarks/benchmark.py --tables`; each holds its command."]
    return "\n".join(lines) + "\n"


def render_int8_agreement(report: dict) -> str:
    """int8 against fp32 on real data, per run and split (benchmarks/speed.py --int8-agreement)."""
    lines = ["| run | data, split (n) | same prediction as fp32 (raw int8) | macro-F1 fp32 | macro-F1 int8 (raw int8) |",
             "|" + "---|" * 5]
    for r in report["rows"]:
        split = SPLIT_NAMES.get(r["data"], {}).get(r["split"], r["split"])
        lines.append(f"| {r['run']} | {r['data']} {split} ({r['n']}) | **{r['agreement']:.2%}** "
                     f"({r['agreement_without_recheck']:.2%}) | {r['macro_f1_fp32']:.3f} | {r['macro_f1_int8']:.3f} "
                     f"({r['macro_f1_int8_without_recheck']:.3f}) |")
    recheck = sorted({r["int8_recheck"] for r in report["rows"]})
    lines += ["", f"int8 rows whose two best probabilities lie closer than {', '.join(map(str, recheck))} are redone in "
              "fp32 (the default path); raw = int8 alone. Generated from `benchmarks/results/transformer_int8.json` by "
              f"`python benchmarks/benchmark.py --tables`; written by `{report['command']}` "
              f"({report['machine']['cores']} cores)."]
    return "\n".join(lines) + "\n"


#: The comparison the README shows, of runs whose files are committed (tests/test_readme.py reruns it).
COMPARE_RUNS = ("benchmarks/results/quality_runs/tfidf/bundled",
                "benchmarks/results/quality_runs/transformer__experiment-transformer_small_data__model.progress-false/bundled")
COMPARE_COMMAND = f"actorstance compare {' '.join(COMPARE_RUNS)} --split test -o benchmarks/results/compare-bundled.md"


def render_compare(results: Path) -> str:
    """``actorstance compare``'s report on the benchmark's kept bundled runs (tfidf against the transformer)."""
    return (f"`{COMPARE_COMMAND}`\n\n" + (results / "compare-bundled.md").read_text(encoding="utf-8")
            + "\nThe runs are the seeds of the bundled rows of the macro-F1 table (kept by `benchmarks/benchmark.py`); "
            "generated by `python benchmarks/benchmark.py --tables`.\n")


def render_compare_examples(results: Path) -> dict[str, str]:
    """docs/compare.md's examples: each compare command of benchmarks/compare_examples.py and the report it wrote."""
    if str(ROOT / "benchmarks") not in sys.path:  # when loaded from elsewhere (the tests)
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from compare_examples import COMMANDS

    tables = {}
    for name, command in COMMANDS.items():
        out = ROOT / shlex.split(command)[-1]
        body = out.read_text(encoding="utf-8")
        tables[f"compare-{name}"] = f"`{command}`\n\n{body}"
    return tables


def render_tables(results: Path) -> dict[str, str]:
    """Every generated table of README.md and RESULTS.md, by name, from the result files under ``results``."""
    quality = resummarise(json.loads((results / "quality.json").read_text(encoding="utf-8"))["entries"])
    return {"quality": render_headline(quality), "articles": render_articles(results / "articles"),
            "speed": render_speed(json.loads((results / "speed.json").read_text(encoding="utf-8"))),
            "articles-previous": render_articles_previous(results), "compare": render_compare(results),
            "int8-agreement": render_int8_agreement(json.loads((results / "transformer_int8.json").read_text(encoding="utf-8"))),
            "tfidf-public": render_rows([e for e in quality if e["model"] == "tfidf" and e["data"] != "bundled"])
            + "\nGenerated from `benchmarks/results/quality.json` by `python benchmarks/benchmark.py --tables`.\n",
            **render_compare_examples(results)}


def write_tables(results: Path, root: Path = ROOT) -> list[Path]:
    """Rewrite each generated table between its markers in README.md and RESULTS.md from the result files."""
    tables, texts = render_tables(results), {}
    for name, files in TABLE_FILES.items():
        for file in files:
            text = texts.get(file) or (root / file).read_text(encoding="utf-8")
            start, end = markers(name)
            head, _, rest = text.partition(start + "\n")
            _, found, tail = rest.partition(end)
            if not found:
                raise SystemExit(f"error: {root / file}: the markers {start!r} ... {end!r} are missing")
            texts[file] = head + start + "\n" + tables[name] + end + tail
    for file, text in texts.items():
        write_atomic(text, root / file)
    return [root / file for file in texts]


def resummarise(entries: list[dict]) -> list[dict]:
    """Each entry's split summaries recomputed from its per-seed runs (an entry written before a summary field
    existed, such as the Park line macro-F1, gains it)."""
    return [dict(e, splits={s: summarise(e["runs"], s) for s in ("dev", "test") if s in e["runs"][0]}) for e in entries]


def merge(path: Path, new: list[dict], fresh: bool) -> list[dict]:
    entries = [] if fresh or not path.exists() else json.loads(path.read_text(encoding="utf-8"))["entries"]
    keys = {(e["label"], e["data"]) for e in new}
    return [e for e in entries if (e["label"], e["data"]) not in keys] + new


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="tfidf", help="model config names, comma-separated (default: tfidf)")
    p.add_argument("--data", default="park2021,newsmtsc", help="data config names (default: park2021,newsmtsc)")
    p.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (default: 1,2,3)")
    p.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                   help="extra config override for every run, e.g. model.epochs=3 (repeatable)")
    p.add_argument("--shared-data", help="the public data directory (default: $ACTORSTANCE_SHARED_DATA or ../shared/data)")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results"), help="where quality.md/.json go")
    p.add_argument("--workdir", default=str(ROOT / "benchmarks" / "runs"), help="per-run outputs (not committed)")
    p.add_argument("--fresh", action="store_true", help="replace quality.json instead of merging into it")
    p.add_argument("--resume", action="store_true",
                   help="reuse finished runs in --workdir whose saved config equals this one (after a crash)")
    p.add_argument("--render", action="store_true",
                   help="only recompute quality.json's summaries from its runs and rewrite quality.md")
    p.add_argument("--tables", action="store_true",
                   help="only rewrite the generated tables in README.md and benchmarks/RESULTS.md from the result files")
    args = p.parse_args(argv)
    out = Path(args.out)
    if args.tables:
        for path in write_tables(out):
            print(f"rewrote the tables in {path}")
        return 0
    if args.render:
        entries = resummarise(json.loads((out / "quality.json").read_text("utf-8"))["entries"])
        write_atomic(json.dumps({"entries": entries}, indent=1, ensure_ascii=False) + "\n", out / "quality.json")
        write_atomic(render_markdown(entries), out / "quality.md")
        print(f"rewrote {out / 'quality.json'} and {out / 'quality.md'}")
        return 0

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    shared = shared_data_dir(args.shared_data)
    if not shared.is_dir():
        print(f"error: public data not found at {shared} (set --shared-data or ACTORSTANCE_SHARED_DATA)", file=sys.stderr)
        return 2
    os.environ["ACTORSTANCE_SHARED_DATA"] = str(shared)  # what the data configs read
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    datas = [d.strip() for d in args.data.split(",") if d.strip()]
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    given = sys.argv[1:] if argv is None else argv
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "benchmarks/benchmark.py", *given])
    info, libs = machine(), versions()

    entries = []
    for model in models:
        label = " ".join([model, *args.override])
        for data in datas:
            runs, keep = [], out / "quality_runs" / slug(label) / data
            shutil.rmtree(keep, ignore_errors=True)  # a rerun's files replace the entry's old ones, as its entry does
            for seed in seeds:
                t0 = time.perf_counter()
                r = run_one(model, data, seed, args.override, Path(args.workdir), args.resume, keep=keep)
                print(f"{label} on {data} seed {seed}: "
                      + "  ".join(f"{s} macro-F1 {r[s]['macro_f1']:.4f}" for s in ("dev", "test") if s in r)
                      + f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
                runs.append(r)
            splits = {s: summarise(runs, s) for s in ("dev", "test") if s in runs[0]}
            entries.append({
                "label": label, "model": model, "data": data, "overrides": args.override, "seeds": seeds,
                "n_train": runs[0]["n_train"], "splits": splits, "split_names": runs[0].get("split_names", {}),
                "train_seconds": mean_sd([r["timings"]["train_seconds"] for r in runs]),
                "runs": runs, "command": command, "machine": info, "versions": libs,
                "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            })

    out.mkdir(parents=True, exist_ok=True)
    merged = merge(out / "quality.json", entries, args.fresh)
    write_atomic(json.dumps({"entries": merged}, indent=1, ensure_ascii=False) + "\n", out / "quality.json")
    md = render_markdown(merged)
    write_atomic(md, out / "quality.md")
    print()
    print(md)
    print(f"written to {out / 'quality.md'} and {out / 'quality.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
