"""benchmarks/combine_runs.py: ensembles, prior shift, fusion and weight soups of finished runs."""

from __future__ import annotations


import numpy as np
import pytest

from conftest import load_script, tiny_records, write_jsonl

from actorstance import LABELS


def _combine():
    return load_script("benchmarks/combine_runs.py")


def _run(path, gold, proba, ids=None):
    path.mkdir()
    rows = [{"id": i, "gold": g, "pred": LABELS[int(np.argmax(p))], **{f"p_{lab}": float(v) for lab, v in zip(LABELS, p)}}
            for i, g, p in zip(ids or [f"x{k}" for k in range(len(gold))], gold, proba)]
    write_jsonl(path / "predictions_dev.jsonl", rows)
    return path


def test_ensemble_of_runs_that_err_on_different_examples(tmp_path, capsys):
    gold = ["supportive", "critical", "neutral", "neutral"]
    a = [[0.6, 0.1, 0.3], [0.1, 0.5, 0.4], [0.1, 0.1, 0.8], [0.2, 0.5, 0.3]]  # last one wrong, unsure
    b = [[0.3, 0.1, 0.6], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8]]  # first one wrong, unsure
    _combine().main([str(_run(tmp_path / "a", gold, a)), str(_run(tmp_path / "b", gold, b))])
    out = capsys.readouterr().out
    lines = {line.split()[0]: line.split()[-1] for line in out.splitlines()[1:4]}
    assert float(lines["a"]) < 1.0 and float(lines["b"]) < 1.0
    assert "ensemble (mean probability)  1.0000" in out
    assert "prior shift" in out


def test_runs_on_different_dev_examples_are_refused(tmp_path):
    gold = ["supportive", "neutral"]
    proba = [[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]]
    a = _run(tmp_path / "a", gold, proba)
    b = _run(tmp_path / "b", gold, proba, ids=["x0", "other"])
    with pytest.raises(SystemExit, match="dev examples differ"):
        _combine().main([str(a), str(b)])
    (b / "predictions_dev.jsonl").write_text('{"id": "x0", "gold": "neutral"}\n')
    with pytest.raises(SystemExit, match=r"predictions_dev.jsonl:1: not a prediction row \(KeyError"):
        _combine().main([str(a), str(b)])


def test_soup_is_the_mean_of_the_weights_and_loads(tiny_bert_dir, tmp_path):
    from safetensors.numpy import load_file

    from actorstance.models import load_model
    from actorstance.models.transformer import TransformerStanceModel

    dirs = []
    for seed in (0, 1):
        model = TransformerStanceModel(pretrained=tiny_bert_dir, head="markers", encoding="markers", epochs=1,
                                       batch_size=8, max_length=64, lr=1e-3, progress=False, seed=seed)
        dirs.append(model.fit(tiny_records()).save(tmp_path / f"m{seed}"))
    soup = _combine().average_models(dirs, tmp_path / "soup")
    for name in ("model.safetensors", "head.safetensors"):
        first, second, mean = (load_file(str(d / name)) for d in (*dirs, soup))
        key = next(k for k in mean if mean[k].dtype.kind == "f" and not np.allclose(first[k], second[k]))
        assert np.allclose(mean[key], (first[key] + second[key]) / 2, atol=1e-6)
    proba = load_model(soup).predict_proba(tiny_records())  # checksums renewed: it loads like any model
    assert proba.shape == (len(tiny_records()), 3) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)


def test_fusion_and_soup_arguments(tmp_path, capsys):
    gold = ["supportive", "critical"]
    proba = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1]]
    a = _run(tmp_path / "a", gold, proba)
    other = _run(tmp_path / "tfidf", gold, [[0.05, 0.05, 0.9], [0.05, 0.05, 0.9]])
    _combine().main([str(a), "--with", str(other)])
    out = capsys.readouterr().out
    fused = next(line for line in out.splitlines() if line.startswith("fused"))
    assert "tfidf" in fused
    row = out.splitlines()[out.splitlines().index(fused) + 1].split()[1:]
    assert float(row[0]) == 1.0 and float(row[-1]) < 1.0  # w = 1 lets the all-neutral model outvote
    with pytest.raises(SystemExit, match="--records"):
        _combine().main([str(a), "--soup"])
