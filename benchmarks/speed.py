"""Speed of the transformer model on this machine: training, fp32 and int8 prediction, and the
Hugging Face ``pipeline("text-classification")`` with the same weights, side by side.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py [--model DIR] [--pretrained mpnet] [--repeats 5] [--threads N]

Training speed: one epoch of fine-tuning the default encoder on bundled training examples cut
(word by word, away from the mentions) to at most 35 model tokens: examples/s, mean tokens,
peak resident memory of the process. Prediction speed: bundled dev+test sentences, cut to at
most 40 model tokens and as written, predicted ``--repeats`` times by each path (median
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


def cut_to_tokens(model, ex: dict, limit: int) -> dict:
    """``ex`` with words dropped from the end farther from its mentions until ``model`` reads at
    most ``limit`` tokens (prompt and markers included): a shorter real sentence, same pair."""
    import re

    from actorstance.models.mentions import mention_spans

    text = ex["text"]
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    spans = [(s, e) for s, e, _ in mention_spans(ex)] or [(0, 0)]
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    lo, hi = 0, len(words)
    while True:
        start, end = words[lo][0], words[hi - 1][1]
        cut = dict(ex, text=text[start:end])
        for role in ("actor", "target"):
            if ex.get(f"{role}_span") is not None:
                cut[f"{role}_span"] = [ex[f"{role}_span"][0] - start, ex[f"{role}_span"][1] - start]
        if len(model._encode([cut])[0]["input_ids"]) <= limit:
            return cut
        room_left = sum(1 for s, e in words[lo:hi] if e <= first)
        room_right = sum(1 for s, e in words[lo:hi] if s >= last)
        if max(room_left, room_right) == 0:
            return cut  # the mentions alone are longer than the limit
        if room_left > room_right:
            lo += 1
        else:
            hi -= 1


def prediction_speed(model, pipe, records: list[dict], repeats: int, what: str) -> dict:
    """Sentences per second of fp32 (torch with the [CLS]-only last layer, torch's stock forward,
    ONNX Runtime), int8 (with and without the fp32 recheck) and the HF pipeline at batch sizes 1
    and 64, all on the same ``records``; agreement with the first (default) path. A marker-head
    model (``pipe`` None) has no stock-forward or pipeline equivalent: those paths are left out."""
    import numpy as np

    from actorstance import LABELS
    from actorstance.models.transformer import model_strings

    from actorstance.models.cls_only import StockLogits

    n = len(records)
    mean_tokens = float(np.mean([len(f["input_ids"]) for f in model._encode(records)]))
    recheck = model.int8_recheck
    paths = {}
    model.onnx = model.int8 = False
    default = "marker head" if pipe is None else "last layer for [CLS] only"
    paths[f"actorstance fp32, torch (sorted batches of 64; {default})"] = \
        timed(lambda: model.predict_proba(records), repeats)
    if pipe is not None:
        scorer, model.scorer_ = model._scorer(), StockLogits(model.model_)
        paths["actorstance fp32, torch, the model's stock forward (all tokens in the last layer)"] = \
            timed(lambda: model.predict_proba(records), repeats)
        model.scorer_ = scorer
    model.onnx = True
    paths["actorstance fp32, ONNX Runtime (--onnx)"] = timed(lambda: model.predict_proba(records), repeats)
    model.onnx, model.int8 = False, True
    paths[f"actorstance int8 (--int8: ONNX Runtime; rows with top-2 margin < {recheck} redone in fp32 by torch)"] = \
        timed(lambda: model.predict_proba(records), repeats)
    model.int8_recheck = 0.0
    paths["actorstance int8 without the fp32 recheck"] = timed(lambda: model.predict_proba(records), repeats)
    model.int8, model.int8_recheck = False, recheck
    inputs = [] if pipe is None else [
        {"text": p, "text_pair": t} if p else t for p, t, _ in (model_strings(ex, model.encoding) for ex in records)]
    label_index = {lab: i for i, lab in enumerate(LABELS)}
    for bs in (1, 64) if pipe is not None else ():
        s, all_s, out = timed(lambda bs=bs: pipe(inputs, batch_size=bs, truncation=True, max_length=model.max_length),
                              repeats)
        name = f"HF pipeline, batch_size={bs}" + (" (its default)" if bs == 1 else "")
        paths[name] = (s, all_s, np.array([label_index[o["label"]] for o in out]))
    preds = {k: (v[2] if v[2].ndim == 1 else v[2].argmax(axis=1)) for k, v in paths.items()}
    fp32_name = next(iter(paths))
    fp32_rate = n / paths[fp32_name][0]
    pipe_s = paths.get("HF pipeline, batch_size=1 (its default)", (None,))[0]
    rows = [{"path": k, "sentences_per_second": round(n / s, 1), "median_seconds": round(s, 3),
             "all_seconds": [round(t, 3) for t in all_s], "speed_vs_fp32": round(n / s / fp32_rate, 2),
             "speed_vs_pipeline_bs1": round(pipe_s / s, 2) if pipe_s else None,
             "same_prediction_as_fp32": round(float((preds[k] == preds[fp32_name]).mean()), 4)}
            for k, (s, all_s, _) in paths.items()]
    out = {"sentences": what, "n": n, "mean_tokens": round(mean_tokens, 1), "repeats": repeats, "rows": rows}
    print(out, flush=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="a trained transformer model dir (default: fine-tune one epoch on bundled data)")
    ap.add_argument("--pretrained", default="default", help="the encoder fine-tuned for the timing (model.pretrained: "
                                                              "default = MiniLM, mpnet, a path)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None, help="torch / ONNX Runtime threads (default: all cores)")
    ap.add_argument("--train-examples", type=int, default=640, help="bundled training examples to train on")
    ap.add_argument("--train-tokens", type=int, default=35, help="training inputs cut to at most this many tokens")
    ap.add_argument("--sentences", type=int, default=512, help="bundled dev/test sentences to predict")
    ap.add_argument("--tokens", type=int, default=40, help="prediction inputs cut to at most this many tokens "
                                                             "(the sentences are also timed as written)")
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

    from actorstance.data import load_many
    from actorstance.models import load_model
    from actorstance.models.transformer import TransformerStanceModel, n_threads

    threads = n_threads(args.threads)
    torch.set_num_threads(threads)
    load_before = os.getloadavg()
    result = {"command": "HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py " + " ".join(argv or sys.argv[1:]),
              "machine": machine(), "threads": threads,
              "versions": {m.__name__: m.__version__ for m in (torch, transformers)}}
    import onnxruntime

    result["versions"]["onnxruntime"] = onnxruntime.__version__

    # -- training speed ------------------------------------------------------------------------
    probe = TransformerStanceModel(pretrained=args.pretrained)
    probe._load_pretrained()  # the encoder's tokenizer, with the marker tokens when the default adds them
    train = [cut_to_tokens(probe, ex, args.train_tokens)
             for ex in list(load_many([ROOT / "data/stance/train.jsonl"]))[:args.train_examples]]
    trainer = TransformerStanceModel(pretrained=args.pretrained, epochs=1, threads=threads, progress=False, seed=0).fit(train)
    summary = trainer.training_log_[-1]
    tokens = [len(f["input_ids"]) for f in trainer._encode(train)]
    result["training"] = {"pretrained": args.pretrained, "examples": len(train), "epochs": 1, "batch_size": trainer.batch_size,
                          "mean_tokens": round(float(np.mean(tokens)), 1), "seconds": summary["train_seconds"],
                          "examples_per_second": summary["train_examples_per_second"], "peak_rss_mb": peak_rss_mb()}
    print(f"training: {result['training']}", flush=True)

    # -- prediction speed ----------------------------------------------------------------------
    tmp = Path(tempfile.mkdtemp(prefix="actorstance-speed-"))
    try:
        model_dir = Path(args.model) if args.model else trainer.save(tmp / "model")
        model = load_model(model_dir)
        model.threads = threads
        model.use_onnx(fp32=True, int8=True)
        pipe = None  # a marker-head model is no plain Hugging Face classifier: no pipeline to compare
        if model.head != "markers":
            hf_dir = tmp / "hf"  # a plain Hugging Face copy of the same weights and tokenizer
            hf_dir.mkdir()
            for f in model_dir.iterdir():
                if f.is_file() and f.suffix != ".onnx" and f.name not in ("meta.json", "training_log.json"):
                    shutil.copy(f, hf_dir / f.name)
            pipe = transformers.pipeline("text-classification", model=str(hf_dir), tokenizer=str(hf_dir), device=-1)
        held_out = list(load_many([ROOT / "data/stance/dev.jsonl", ROOT / "data/stance/test.jsonl"]))[:args.sentences]
        result["model"] = {"path": str(args.model or "fine-tuned above (1 epoch, bundled data)"),
                           "encoding": model.encoding, "marker_tokens": model.marker_tokens, "head": model.head}
        result["prediction"] = [
            prediction_speed(model, pipe, [cut_to_tokens(model, ex, args.tokens) for ex in held_out], args.repeats,
                             f"cut to at most {args.tokens} model tokens around the mentions"),
            prediction_speed(model, pipe, held_out, args.repeats, "as written"),
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["peak_rss_mb"] = peak_rss_mb()
    result["load_average_before_after"] = [round(x, 2) for x in load_before + os.getloadavg()]
    write(result, Path(args.out))
    return 0


def int8_agreement(runs: list[Path], threads: int | None, out: Path, argv) -> int:
    """int8 (ONNX Runtime) against the fp32 predictions each run wrote, on the run's own splits."""
    from omegaconf import OmegaConf

    from actorstance import LABELS
    from actorstance.metrics import compute
    from actorstance.models import load_model
    from actorstance.splits import load_splits

    rows = []
    for run in runs:
        cfg = OmegaConf.load(run / ".hydra" / "config.yaml")
        splits = load_splits(cfg.data, int(cfg.get("seed", 0)), base_dir=ROOT)
        model = load_model(run / "model")
        model.threads = threads
        model.int8 = True
        t0 = time.perf_counter()
        model._build_onnx()
        build_s = time.perf_counter() - t0
        for name in ("dev", "test"):
            pred_file = run / f"predictions_{name}.jsonl"
            if splits.get(name) is None or not pred_file.is_file():
                continue
            fp32 = [json.loads(line) for line in pred_file.read_text(encoding="utf-8").splitlines()]
            ds = splits[name]
            if [r["id"] for r in fp32] != ds["id"]:
                raise SystemExit(f"{run}: {name} split differs from the one the run predicted")
            recheck, model.int8_recheck = model.int8_recheck, 0.0
            raw = [LABELS[i] for i in model.predict_proba(ds).argmax(axis=1)]
            model.int8_recheck = recheck
            t0 = time.perf_counter()
            int8 = [LABELS[i] for i in model.predict_proba(ds).argmax(axis=1)]
            seconds = time.perf_counter() - t0
            gold, fp = ds["label"], [r["pred"] for r in fp32]
            n = len(ds)
            same = lambda pred, fp=fp, n=n: round(sum(a == b for a, b in zip(fp, pred)) / n, 4)  # noqa: E731
            rows.append({"run": run.name, "data": cfg.data.name, "split": name, "n": len(ds),
                         "encoding": model.encoding, "int8_recheck": recheck, "agreement": same(int8),
                         "agreement_without_recheck": same(raw),
                         "macro_f1_fp32": round(compute(gold, fp)["macro_f1"], 4),
                         "macro_f1_int8": round(compute(gold, int8)["macro_f1"], 4),
                         "macro_f1_int8_without_recheck": round(compute(gold, raw)["macro_f1"], 4),
                         "int8_sentences_per_second": round(len(ds) / seconds, 1), "export_seconds": round(build_s, 1)})
            print(rows[-1], flush=True)
    result = {"command": "HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py " + " ".join(argv or sys.argv[1:]),
              "machine": machine(), "rows": rows}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    lines = ["# int8 (ONNX Runtime dynamic quantisation) against fp32 on real dev data", "",
             f"Command: `{result['command']}`  ", f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores", "",
             "int8 rows whose two best probabilities lie closer than `int8_recheck` are recomputed in fp32 "
             "(the default path); the raw columns show int8 alone.", "",
             "| run | data | split | n | encoding | same prediction (raw int8) | macro-F1 fp32 | macro-F1 int8 (raw) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['run']} | {r['data']} | {r['split']} | {r['n']} | {r['encoding']} | "
                     f"{r['agreement']:.2%} ({r['agreement_without_recheck']:.2%}) | "
                     f"{r['macro_f1_fp32']:.3f} | {r['macro_f1_int8']:.3f} ({r['macro_f1_int8_without_recheck']:.3f}) |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


def write(result: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    t, m = result["training"], result["model"]
    lines = [
        "# Transformer speed", "",
        f"Command: `{result['command']}`  ",
        f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores, {result['threads']} threads; "
        f"load average (1/5/15 min) before {result['load_average_before_after'][:3]}, "
        f"after {result['load_average_before_after'][3:]}  ",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()), "",
        "## Training (default encoder all-MiniLM-L6-v2, fp32, fused AdamW, length-grouped batches)", "",
        "| examples | mean tokens | batch | seconds | examples/s | peak RSS MB |", "|---|---|---|---|---|---|",
        f"| {t['examples']} | {t['mean_tokens']} | {t['batch_size']} | {t['seconds']} | **{t['examples_per_second']}** "
        f"| {t['peak_rss_mb']} |",
        "", f"## Prediction (model: {m['path']}; encoding {m['encoding']}, marker tokens {m['marker_tokens']}, "
        f"head {m.get('head', 'cls')})", "",
    ]
    for p in result["prediction"]:
        lines += [f"### {p['n']} bundled dev/test sentences, {p['sentences']}: mean {p['mean_tokens']} tokens, "
                  f"median of {p['repeats']} runs", "",
                  "| path | sentences/s | x fp32 | x HF pipeline (bs 1) | same prediction as fp32 | runs (s) |",
                  "|---|---|---|---|---|---|"]
        for r in p["rows"]:
            lines.append(f"| {r['path']} | **{r['sentences_per_second']}** | {r['speed_vs_fp32']} | "
                         f"{r['speed_vs_pipeline_bs1'] or '-'} | {r['same_prediction_as_fp32']:.2%} | "
                         f"{', '.join(map(str, r['all_seconds']))} |")
        lines.append("")
    lines += [f"Peak RSS of the whole run: {result['peak_rss_mb']} MB", ""]
    out.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
