"""The comparison as people read it: the terminal table, Markdown, CSV, JSON and the plot.
Only formats the result of :func:`~actorstance.compare.comparison.compare_runs`; matplotlib
loads only when a plot is asked for.
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import LABELS
from .comparison import METRICS, _short


def _f(v, digits: int = 3) -> str:
    return "" if v is None else f"{v:.{digits}f}"


def _p(v) -> str:
    if v is None:
        return ""
    return "<0.001" if v < 0.001 else f"{v:.3f}"


def display_rows(result: dict) -> tuple[list[dict], list[str]]:
    """Rows of strings for the terminal and Markdown: mean ± sd, intervals, tests."""
    per_run = result["grouping"] == "per run"
    columns = ["#", *(["run"] if per_run else []), *result["keys"], "n", "macro-F1", "95% CI", "accuracy", "F_avg",
               *(f"F1 {label[:4]}" for label in LABELS), "Δ vs best", "Δ 95% CI", "p boot", "p McNemar", "sig", "note"]
    out = []
    for r in result["rows"]:
        ci, dci = r.get("macro_f1_ci"), r.get("delta_ci")
        row = {"#": str(r["row"]), "run": r["runs"][0], **{k: _short(v) for k, v in r["keys"].items()}, "n": str(r["n"]),
               "macro-F1": _f(r["macro_f1"]) + (f" ± {r['macro_f1_sd']:.3f}" if r["macro_f1_sd"] is not None else ""),
               "95% CI": f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "",
               "accuracy": _f(r["accuracy"]), "F_avg": _f(r["f_avg"]),
               **{f"F1 {label[:4]}": _f(r[f"f1_{label}"]) for label in LABELS},
               "Δ vs best": "" if r["best"] else f"{r['delta']:+.3f}",
               "Δ 95% CI": f"[{dci[0]:+.3f}, {dci[1]:+.3f}]" if dci else "",
               "p boot": _p(r["p_bootstrap"]), "p McNemar": _p(r["p_mcnemar"]),
               "sig": "" if r["p_bootstrap"] is None else ("yes" if r["p_bootstrap"] < 0.05 else "no"),
               "note": r["note"]}
        out.append(row)
    return out, columns


CSV_FIXED = ["row", "label", "n", "seeds", *(x for m in METRICS for x in (m, f"{m}_sd")),
             "macro_f1_ci_low", "macro_f1_ci_high", "delta", "delta_ci_low", "delta_ci_high",
             "p_bootstrap", "p_mcnemar", "mcnemar_b", "mcnemar_c", "n_examples", "train_seconds", "note", "runs"]


def _flat_rows(result: dict) -> tuple[list[dict], list[str]]:
    rows = []
    for r in result["rows"]:
        flat = {**{k: _short(v, compact=False) for k, v in r["keys"].items()}, **{k: r.get(k) for k in CSV_FIXED}}
        flat["macro_f1_ci_low"], flat["macro_f1_ci_high"] = r.get("macro_f1_ci") or (None, None)
        flat["delta_ci_low"], flat["delta_ci_high"] = r.get("delta_ci") or (None, None)
        flat["seeds"] = " ".join(map(str, r["seeds"]))
        flat["runs"] = " ".join(r["runs"])
        rows.append(flat)
    return rows, [*result["keys"], *CSV_FIXED]


def _markdown(rows: list[dict], columns: list[str]) -> str:
    def cell(v):
        return str(v).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def describe(result: dict) -> str:
    n_runs = sum(r["n"] for r in result["rows"])
    n_ex = {r.get("n_examples") for r in result["rows"]} - {None}
    lines = [f"{n_runs} run{'s' if n_runs != 1 else ''} in {len(result['rows'])} row{'s' if len(result['rows']) != 1 else ''} "
             f"({result['grouping']}), {result['split']} split; macro-F1 as mean ± sd over a row's runs."]
    if result["bootstrap"]:
        lines.append(f"95% CI: bootstrap over {'/'.join(map(str, sorted(n_ex))) or '?'} {result['split']} examples "
                     f"({result['bootstrap']} resamples, seed {result['seed']}); Δ, p boot: paired bootstrap of macro-F1 "
                     f"against the best row (#{result['best']}); p McNemar: exact test on correctness; "
                     "sig: p boot < 0.05.")
    return "\n".join(lines)


def render_result(result: dict, fmt: str) -> str:
    from ..output import render

    if fmt == "json":
        return json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt == "csv":
        rows, columns = _flat_rows(result)
        return render(rows, "csv", columns)
    rows, columns = display_rows(result)
    skipped = [f"  {s['run']}: {s['reason']}" for s in result["skipped"]]
    if fmt == "markdown":
        text = _markdown(rows, columns) + "\n\n" + describe(result) + "\n"
        if skipped:
            text += "\nRuns without results:\n\n" + "\n".join(f"- {s.strip()}" for s in skipped) + "\n"
        return text
    text = render(rows, "table", columns) + describe(result) + "\n"
    if skipped:
        text += (f"\n{len(skipped)} run{'s' if len(skipped) != 1 else ''} without results (listed, not compared):\n"
                 + "\n".join(skipped) + "\n")
    return text


def plot(result: dict, path: str | Path) -> None:
    """Macro-F1 per row with its 95% CI (and each run as a dot), and per-class F1 per row."""

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    import textwrap

    rows = result["rows"]

    def tick(r):  # long config labels wrapped to 3 short lines, so the axes keep their room
        lines = textwrap.wrap(f"#{r['row']} {r['label']}", 34) or [f"#{r['row']}"]
        return "\n".join(lines[:2] + (["…"] if len(lines) > 3 else lines[2:3]))

    labels = [tick(r) for r in rows]
    y = np.arange(len(rows))[::-1]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 1.8 + 0.7 * len(rows)), sharey=True,
                                   gridspec_kw={"width_ratios": [1.4, 1]})
    for yi, r in zip(y, rows):
        ci = r.get("macro_f1_ci")
        err = [[r["macro_f1"] - ci[0]], [ci[1] - r["macro_f1"]]] if ci else None
        ax1.errorbar(r["macro_f1"], yi, xerr=err, fmt="o", color="tab:red" if r["best"] else "tab:blue", capsize=4)
        ax1.scatter(r["per_run_macro_f1"], [yi] * len(r["per_run_macro_f1"]), s=10, color="grey", zorder=3)
    ax1.set_yticks(y, labels)
    ax1.set_xlabel(f"{result['split']} macro-F1 (mean, 95% bootstrap CI; dots: runs)")
    height = 0.8 / len(LABELS)
    for j, label in enumerate(LABELS):
        bars = ax2.barh(y + (1 - j) * height, [r[f"f1_{label}"] or 0 for r in rows], height=height, label=label)
        ax2.bar_label(bars, fmt="%.2f", fontsize=6, padding=2)
    ax2.set_xlabel(f"{result['split']} F1 per class (mean over runs)")
    ax2.set_xlim(0, 1)
    ax2.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(LABELS), fontsize="small", frameon=False)
    fig.tight_layout()
    from ..atomic import atomic_open

    try:
        with atomic_open(path, binary=True) as fh:
            fig.savefig(fh, dpi=110, format=Path(path).suffix.lstrip(".") or "png")
    finally:
        plt.close(fig)
