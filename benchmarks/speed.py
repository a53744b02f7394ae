"""Speed of the transformer model on this machine: training, fp32 and int8 prediction, and the
Hugging Face ``pipeline("text-classification")`` with the same weights, side by side.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py [--model DIR] [--repeats 5] [--threads N]

Training speed: one epoch of fine-tuning the default encoder on the bundled training examples
nearest 35 tokens long (examples/s, mean tokens, peak resident memory of the process).
Prediction speed: the bundled dev+test sentences nearest 40 tokens long, predicted ``--repeats`` times by each path (median
reported), with the fine-tuned model from ``--model`` (else the one just trained). The
pipeline gets exactly the strings our model reads (prompt + marked sentence as a text pair).
Writes ``benchmarks/results/speed.md`` and ``speed.json``.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py --int8-agreement RUN_DIR [RUN_DIR ...]

checks the int8 path on real data instead: for each ``train.py`` run directory of a
transformer model it predicts the run's dev/test splits with the int8 ONNX model and compares
with the fp32 predictions the run wrote (agreement, macro-F1 of both). Writes
``benchmarks/results/transformer_int8.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from benchmark import machine  # noqa: E402  (the same machine description in every results file)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux reports KiB


def timed(fn, repeats: int) -> tuple[float, list[float], object]:
    fn()  # warm-up (allocations, ONNX Runtime graph set-up)
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="a trained transformer model dir (default: fine-tune one epoch on bundled data)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None, help="torch / ONNX Runtime threads (default: all cores)")
    ap.add_argument("--train-examples", type=int, default=640, help="bundled training examples (nearest 35 tokens) to train on")
    ap.add_argument("--sentences", type=int, default=512, help="bundled dev/test sentences (nearest 40 tokens) to predict")
    ap.add_argument("--out", default=None, help="output path without suffix")
    ap.add_argument("--int8-agreement", nargs="+", metavar="RUN_DIR", help="check int8 vs fp32 on these train.py runs")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.int8_agreement:
        return int8_agreement([Path(d) for d in args.int8_agreement], args.threads,
                              Path(args.out or ROOT / "benchmarks" / "results" / "transformer_int8"), argv)
    args.out = args.out or str(ROOT / "benchmarks" / "results" / "speed")

    import numpy as np
    import torch
    import transformers

    from actorstance import LABELS
    from actorstance.data import load_many
    from actorstance.models import load_model
    from actorstance.models.transformer import TransformerStanceModel, model_strings, n_threads

    threads = n_threads(args.threads)
    torch.set_num_threads(threads)
    load_before = os.getloadavg()
    result = {"command": "HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py " + " ".join(argv or sys.argv[1:]),
              "machine": machine(), "threads": threads,
              "versions": {m.__name__: m.__version__ for m in (torch, transformers)}}
    import onnxruntime

    result["versions"]["onnxruntime"] = onnxruntime.__version__

    # -- training speed ------------------------------------------------------------------------
    from transformers import AutoTokenizer

    from actorstance.models.hf import resolve_pretrained

    def nearest(records: list[dict], tokens: int, k: int) -> list[dict]:
        """The ``k`` examples whose model input is closest to ``tokens`` long."""
        probe = TransformerStanceModel()
        probe.tokenizer_ = AutoTokenizer.from_pretrained(resolve_pretrained("default"))
        lengths = [len(f["input_ids"]) for f in probe._encode(records)]
        return [records[i] for i in sorted(range(len(records)), key=lambda i: (abs(lengths[i] - tokens), i))[:k]]

    train = nearest(list(load_many([ROOT / "data/stance/train.jsonl"])), 35, args.train_examples)
    trainer = TransformerStanceModel(epochs=1, threads=threads, progress=False, seed=0).fit(train)
    summary = trainer.training_log_[-1]
    tokens = [len(f["input_ids"]) for f in trainer._encode(list(train))]
    result["training"] = {"examples": len(train), "epochs": 1, "batch_size": trainer.batch_size,
                          "mean_tokens": round(float(np.mean(tokens)), 1), "seconds": summary["train_seconds"],
                          "examples_per_second": summary["train_examples_per_second"], "peak_rss_mb": peak_rss_mb()}
    print(f"training: {result['training']}", flush=True)

    # -- prediction speed ----------------------------------------------------------------------
    tmp = Path(tempfile.mkdtemp(prefix="actorstance-speed-"))
    try:
        model_dir = Path(args.model) if args.model else trainer.save(tmp / "model")
        model = load_model(model_dir)
        model.threads = threads
        records = nearest(list(load_many([ROOT / "data/stance/dev.jsonl", ROOT / "data/stance/test.jsonl"])), 40,
                          args.sentences)
        feats = model._encode(records)
        n, mean_tokens = len(records), float(np.mean([len(f["input_ids"]) for f in feats]))

        fp32_s, fp32_all, fp32_proba = timed(lambda: model.predict_proba(records), args.repeats)
        fp32_pred = fp32_proba.argmax(axis=1)

        model.int8 = True
        if model.int8_session_ is None:
            model._build_int8()
        int8_s, int8_all, int8_proba = timed(lambda: model.predict_proba(records), args.repeats)
        model.int8 = False

        hf_dir = tmp / "hf"  # a plain Hugging Face copy of the same weights and tokenizer
        hf_dir.mkdir()
        for f in model_dir.iterdir():
            if f.is_file() and f.suffix != ".onnx" and f.name not in ("meta.json", "training_log.json"):
                shutil.copy(f, hf_dir / f.name)
        pipe = transformers.pipeline("text-classification", model=str(hf_dir), tokenizer=str(hf_dir), device=-1)
        inputs = []
        for ex in records:
            prompt, text, _ = model_strings(ex, model.encoding)
            inputs.append({"text": prompt, "text_pair": text} if prompt else text)
        label_index = {lab: i for i, lab in enumerate(LABELS)}
        pipes = {}
        for bs in (1, 64):
            s, all_s, out = timed(lambda: pipe(inputs, batch_size=bs, truncation=True, max_length=model.max_length),
                                  args.repeats)
            pipes[bs] = (s, all_s, np.array([label_index[o["label"]] for o in out]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def row(name, s, all_s, pred):
        return {"path": name, "sentences_per_second": round(n / s, 1), "median_seconds": round(s, 3),
                "all_seconds": [round(t, 3) for t in all_s], "same_prediction_as_fp32": round(float((pred == fp32_pred).mean()), 4)}

    result["prediction"] = {
        "sentences": n, "mean_tokens": round(mean_tokens, 1), "repeats": args.repeats,
        "model": str(args.model or "fine-tuned above (1 epoch, bundled data)"), "encoding": model.encoding,
        "rows": [row("actorstance fp32 (sorted batches of 64)", fp32_s, fp32_all, fp32_pred),
                 row("actorstance int8 (ONNX Runtime, sorted batches of 64)", int8_s, int8_all, int8_proba.argmax(axis=1)),
                 row("HF pipeline, batch_size=1 (its default)", *pipes[1]),
                 row("HF pipeline, batch_size=64", *pipes[64])],
        "peak_rss_mb": peak_rss_mb(),
    }
    fp32_rate = n / fp32_s
    for r in result["prediction"]["rows"]:
        r["speed_vs_fp32"] = round(r["sentences_per_second"] / fp32_rate, 2)
    result["load_average_before_after"] = [round(x, 2) for x in load_before + os.getloadavg()]
    write(result, Path(args.out))
    return 0


def int8_agreement(runs: list[Path], threads: int | None, out: Path, argv) -> int:
    """int8 (ONNX Runtime) against the fp32 predictions each run wrote, on the run's own splits."""
    from omegaconf import OmegaConf

    from actorstance import LABELS
    from actorstance.metrics import compute
    from actorstance.models import load_model
    from actorstance.training import load_splits

    rows = []
    for run in runs:
        cfg = OmegaConf.load(run / ".hydra" / "config.yaml")
        splits = load_splits(cfg.data, int(cfg.get("seed", 0)), base_dir=ROOT)
        model = load_model(run / "model")
        model.threads = threads
        model.int8 = True
        t0 = time.perf_counter()
        model._build_int8()
        build_s = time.perf_counter() - t0
        for name in ("dev", "test"):
            pred_file = run / f"predictions_{name}.jsonl"
            if splits.get(name) is None or not pred_file.is_file():
                continue
            fp32 = [json.loads(line) for line in pred_file.read_text(encoding="utf-8").splitlines()]
            ds = splits[name]
            if [r["id"] for r in fp32] != ds["id"]:
                raise SystemExit(f"{run}: {name} split differs from the one the run predicted")
            t0 = time.perf_counter()
            int8 = [LABELS[i] for i in model.predict_proba(ds).argmax(axis=1)]
            seconds = time.perf_counter() - t0
            gold, fp = ds["label"], [r["pred"] for r in fp32]
            rows.append({"run": run.name, "data": cfg.data.name, "split": name, "n": len(ds),
                         "encoding": model.encoding, "agreement": round(sum(a == b for a, b in zip(fp, int8)) / len(ds), 4),
                         "macro_f1_fp32": round(compute(gold, fp)["macro_f1"], 4),
                         "macro_f1_int8": round(compute(gold, int8)["macro_f1"], 4),
                         "int8_sentences_per_second": round(len(ds) / seconds, 1), "export_seconds": round(build_s, 1)})
            print(rows[-1], flush=True)
    result = {"command": "HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py " + " ".join(argv or sys.argv[1:]),
              "machine": machine(), "rows": rows}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    lines = ["# int8 (ONNX Runtime dynamic quantisation) against fp32 on real dev data", "",
             f"Command: `{result['command']}`  ", f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores", "",
             "| run | data | split | n | encoding | same prediction | macro-F1 fp32 | macro-F1 int8 |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['run']} | {r['data']} | {r['split']} | {r['n']} | {r['encoding']} | {r['agreement']:.2%} | "
                     f"{r['macro_f1_fp32']:.3f} | {r['macro_f1_int8']:.3f} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


def write(result: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    t, p = result["training"], result["prediction"]
    lines = [
        "# Transformer speed", "",
        f"Command: `{result['command']}`  ",
        f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores, {result['threads']} threads; "
        f"load average (1/5/15 min) before {result['load_average_before_after'][:3]}, after {result['load_average_before_after'][3:]}  ",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()), "",
        "## Training (default encoder all-MiniLM-L6-v2, fp32, fused AdamW, length-grouped batches)", "",
        "| examples | mean tokens | batch | seconds | examples/s | peak RSS MB |", "|---|---|---|---|---|---|",
        f"| {t['examples']} | {t['mean_tokens']} | {t['batch_size']} | {t['seconds']} | **{t['examples_per_second']}** | {t['peak_rss_mb']} |",
        "", f"## Prediction ({p['sentences']} sentences, mean {p['mean_tokens']} tokens, median of {p['repeats']} runs)", "",
        f"Model: {p['model']} (encoding {p['encoding']})", "",
        "| path | sentences/s | x fp32 | same prediction as fp32 | runs (s) |", "|---|---|---|---|---|",
    ]
    for r in p["rows"]:
        lines.append(f"| {r['path']} | **{r['sentences_per_second']}** | {r['speed_vs_fp32']} | "
                     f"{r['same_prediction_as_fp32']:.2%} | {', '.join(map(str, r['all_seconds']))} |")
    lines += ["", f"Peak RSS of the whole run: {p['peak_rss_mb']} MB", ""]
    out.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
