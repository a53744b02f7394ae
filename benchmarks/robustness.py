"""Bad input, thrown at the command line: how many cases end in a clear error, a traceback, a
hang or a silent success, and the peak memory of each.

    .venv/bin/python benchmarks/robustness.py [--model DIR] [--timeout 60]

Each case is a command (``actorstance ...`` or ``train.py ...``) on a file made for it; it
passes when the exit status and a fragment of stderr are the expected ones, with no
"Traceback" in the output. Writes benchmarks/results/robustness.json and prints the table.
The cases are the ones the reliability audit named (and the unit tests check one by one).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "robustness.json"
RECORD = {"text": "Anna praised Marco.", "actor": "Anna", "target": "Marco", "label": "supportive"}


def files(tmp: Path) -> dict[str, Path]:
    """The bad inputs, by name."""
    made = {}

    def put(name: str, data: bytes | str) -> None:
        path = tmp / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        made[name] = path

    put("binary.jsonl", b"\x00\x01\x02binary")
    put("latin1.jsonl", json.dumps(RECORD).replace("Anna", "Ann\xe9").encode("latin-1") + b"\n")
    put("not_json.jsonl", "{not json\n")
    put("deep.jsonl", '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    put("digits.jsonl", json.dumps(RECORD)[:-1] + ', "n": ' + "9" * 5000 + "}\n")
    put("surrogate.jsonl", json.dumps(RECORD).replace("Anna praised", "Anna \\ud800 praised") + "\n")
    put("no_text.jsonl", json.dumps({k: v for k, v in RECORD.items() if k != "text"}) + "\n")
    put("bad_label.jsonl", json.dumps(dict(RECORD, label="maybe")) + "\n")
    put("bad_span.jsonl", json.dumps(dict(RECORD, actor_span=[4, 0])) + "\n")
    put("empty.jsonl", "")
    put("quote.csv", 'text,actor,target,label\n"Anna praised Marco,Anna,Marco,supportive\nX,Y,Z,neutral\n')
    put("swallowed.csv", 'text,actor,target,label\n"Anna praised Marco,Anna,Marco,supportive\nX",Y,Z,neutral\n')
    put("actors_list.json", '[1, 2, {"a": 1}]')
    put("empty.txt", "   \n")
    put("huge_line.txt", "word " * 40_000)
    put("one_label.jsonl", "".join(json.dumps(dict(RECORD, text=f"Anna praised Marco {i}.")) + "\n" for i in range(20)))
    fifo = tmp / "fifo.jsonl"
    os.mkfifo(fifo)
    made["fifo.jsonl"] = fifo
    (tmp / "file").write_text("x")
    put("page.jsonl", json.dumps(RECORD) + "\n")
    put("big.jsonl", (json.dumps(RECORD) + "\n") * 30_000)  # ~2.2 MB: over a 1 MB limit
    return made


def tampered_models(model: str, tmp: Path) -> dict[str, Path]:
    """Copies of the model directory, each edited as an attacker or a broken disk might (the
    audit's tampered directories): metadata that lies, files outside the folder, extra code, NaN
    weights re-hashed so that the checksums pass."""
    import shutil

    from actorstance.atomic import sha256_file

    def copy(name: str, change) -> None:
        path = tmp / f"model-{name}"
        shutil.copytree(model, path)
        change(path)
        out[name] = path

    def edit(change):
        def apply(path: Path) -> None:
            meta = json.loads((path / "meta.json").read_text())
            change(meta)
            (path / "meta.json").write_text(json.dumps(meta))
        return apply

    def nan_weights(path: Path) -> None:
        import numpy as np
        from safetensors.numpy import load_file, save_file

        weights = next(p for p in path.iterdir() if p.suffix == ".safetensors")
        arrays = {k: np.full_like(v, np.nan) if v.dtype.kind == "f" else v for k, v in load_file(str(weights)).items()}
        save_file(arrays, str(weights))
        edit(lambda m: m["files"].update({weights.name: sha256_file(weights)}))(path)

    out: dict[str, Path] = {}
    copy("param-type", edit(lambda m: m["params"].update({next(iter(m["params"])): "abc"})))
    copy("unknown-param", edit(lambda m: m["params"].update(surprise=1)))
    copy("family", edit(lambda m: m.update(family="nonsense")))
    copy("files-list", edit(lambda m: m.update(files=list(m["files"]))))
    copy("params-list", edit(lambda m: m.update(params=[1, 2])))
    copy("dotdot-file", edit(lambda m: m["files"].update({"../outside.txt": "0" * 64})))
    copy("absolute-file", edit(lambda m: m["files"].update({"/etc/hostname": "0" * 64})))
    copy("extra-code", lambda p: (p / "extra.py").write_text("print('hi')"))
    copy("symlink-out", lambda p: (p / "link").symlink_to("/etc/hostname"))
    copy("truncated-meta", lambda p: (p / "meta.json").write_text("{ truncated"))
    copy("nan-weights", nan_weights)
    return out


def cases(f: dict[str, Path], tmp: Path, model: str) -> list[tuple[str, list[str], int, str]]:
    """(name, command, expected exit status, fragment of stderr); a command may start with
    ``ENV=VALUE`` items for its environment."""
    cli = ["-m", "actorstance"]
    train = [str(ROOT / "train.py"), "save_to_models=false", f"hydra.run.dir={tmp / 'run'}"]
    m = ["--model", model]
    return [
        ("binary file", cli + ["evaluate", str(f["binary.jsonl"]), *m], 2, "binary file"),
        ("latin-1 text", cli + ["evaluate", str(f["latin1.jsonl"]), *m], 2, "not valid UTF-8"),
        ("invalid JSON", cli + ["evaluate", str(f["not_json.jsonl"]), *m], 2, "invalid JSON"),
        ("JSON nested 100k deep", cli + ["evaluate", str(f["deep.jsonl"]), *m], 2, "nested too deeply"),
        ("5,000-digit integer", cli + ["predict", str(f["digits.jsonl"]), *m], 2, "unreadable JSON"),
        ("lone surrogate", cli + ["evaluate", str(f["surrogate.jsonl"]), *m], 2, "unpaired surrogate"),
        ("record without text", cli + ["evaluate", str(f["no_text.jsonl"]), *m], 2, "text: missing field"),
        ("unknown label", cli + ["evaluate", str(f["bad_label.jsonl"]), *m], 2, "unknown label"),
        ("reversed span", cli + ["evaluate", str(f["bad_span.jsonl"]), *m], 2, "reversed"),
        ("empty file", cli + ["evaluate", str(f["empty.jsonl"]), *m], 2, "no records"),
        ("CSV unbalanced quote", cli + ["evaluate", str(f["quote.csv"]), *m], 2, "unreadable CSV row"),
        ("CSV quote swallowing rows", cli + ["evaluate", str(f["swallowed.csv"]), *m], 2, "unbalanced quote"),
        ("FIFO input", cli + ["evaluate", str(f["fifo.jsonl"]), *m], 2, "not a regular file"),
        ("/dev/zero", cli + ["evaluate", "/dev/zero", "--format", "jsonl", *m], 2, "not a regular file"),
        ("missing file", cli + ["evaluate", str(tmp / "nowhere.jsonl"), *m], 2, "file not found"),
        ("label map ==,x", cli + ["evaluate", str(f["bad_label.jsonl"]), "--label-map", "==,x", *m], 2, "--label-map"),
        ("actor file of non-strings", cli + ["predict", str(f["empty.txt"]), "--actors", str(f["actors_list.json"]), *m],
         2, "must hold strings only"),
        ("-o a directory", cli + ["predict", str(f["one_label.jsonl"]), "-o", str(tmp), *m], 2, "is a directory"),
        ("--out under a file", cli + ["evaluate", str(f["one_label.jsonl"]), "--out", str(tmp / "file" / "x.json"), *m],
         2, "part of the path is a file"),
        ("--chunk 0", cli + ["predict", str(f["empty.txt"]), "--chunk", "0", *m], 2, "expected a whole number"),
        ("empty article", cli + ["predict", str(f["empty.txt"]), *m], 2, "empty (no text)"),
        ("article line of 200k characters", cli + ["predict", str(f["huge_line.txt"]), *m], 2, "line of 200,000"),
        ("model directory missing", cli + ["predict", str(f["one_label.jsonl"]), "--model", str(tmp / "none")], 2,
         "model directory not found"),
        ("misspelt experiment", train + ["experiment=no_such_thing"], 1, "Could not find 'experiment/no_such_thing'"),
        ("one-label training data", train + [f"data.train={f['one_label.jsonl']}", "data.dev=null", "data.test=null",
                                             "data.dev_fraction=0.2"], 2, "one label only"),
        ("file over the size limit", ["ACTORSTANCE_MAX_FILE_MB=1"] + cli + ["evaluate", str(f["big.jsonl"]), *m], 2,
         "limit"),
        ("empty standard input", cli + ["predict", "-", *m], 2, "empty"),
        ("--evidence -1", cli + ["predict", str(f["empty.txt"]), "--evidence", "-1", *m], 2, "--evidence"),
        ("--ner-processes 0", cli + ["predict", str(f["empty.txt"]), "--ner-processes", "0", *m], 2, "--ner-processes"),
        ("--per-sentence -1", cli + ["predict", str(f["empty.txt"]), "--per-sentence", "-1", *m], 2, "--per-sentence"),
        ("unknown command", cli + ["predcit", str(f["page.jsonl"])], 2, "invalid choice"),
        ("unknown model option", train + ["model.no_such_option=1"], 1, "no_such_option"),
        *[(f"tampered model: {name}", cli + ["predict", str(f["page.jsonl"]), "--model", str(path)], 2, expected)
          for name, path, expected in [
              (n, p, {"param-type": "params", "unknown-param": "unexpected keyword", "family": "unknown model family",
                      "files-list": "files: expected", "params-list": "params: expected an object",
                      "dotdot-file": "not a file inside", "absolute-file": "not a file inside",
                      "extra-code": "does not list", "symlink-out": "does not list", "truncated-meta": "corrupted",
                      "nan-weights": "non-finite"}[n])
              for n, p in tampered_models(model, tmp).items()]],
    ]


def run_case(command: list[str], timeout: float) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT / "src"))
    while "=" in command[0] and not command[0].startswith("-"):
        key, value = command[0].split("=", 1)
        env[key], command = value, command[1:]
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        out, err = proc.communicate(timeout=timeout)
        hung = False
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        hung = True
    # the largest resident set of any child so far: one case at a time, so a running maximum
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"exit": proc.returncode, "hung": hung, "stderr": err, "seconds": round(time.perf_counter() - t0, 1),
            "traceback": "Traceback" in err or "Traceback" in out, "peak_rss_mb_so_far": round(peak_mb)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="model directory (default: the one named in models/LATEST)")
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()
    model = args.model or str(ROOT / "models" / (ROOT / "models" / "LATEST").read_text().strip())
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        made = files(tmp)
        for name, command, exit_code, fragment in cases(made, tmp, model):
            r = run_case(command, args.timeout)
            r.update(case=name, expected_exit=exit_code, expected=fragment,
                     clear=not r["hung"] and not r["traceback"] and r["exit"] == exit_code and fragment in r["stderr"])
            r["stderr"] = r["stderr"][:300]
            results.append(r)
            print(f"{'ok  ' if r['clear'] else 'FAIL'} {name}: exit {r['exit']}, {r['seconds']} s", flush=True)
    summary = {"tried": len(results), "clear_errors": sum(r["clear"] for r in results),
               "tracebacks": sum(r["traceback"] for r in results), "hangs": sum(r["hung"] for r in results),
               "silent_successes": sum(r["exit"] == 0 for r in results),
               "peak_rss_mb": max(r["peak_rss_mb_so_far"] for r in results)}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"command": "python benchmarks/robustness.py", "summary": summary, "cases": results},
                              indent=1) + "\n")
    print(json.dumps(summary))
    return 0 if summary["clear_errors"] == summary["tried"] else 1


if __name__ == "__main__":
    sys.exit(main())
