"""Multi-process training: the batch sharding, and train.py under torchrun with 2 CPU processes."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT
from test_train_cli import tiny_overrides

from actorstance import distributed


@pytest.mark.parametrize("n_batches, size", [(7, 2), (6, 2), (1, 3), (10, 4)])
def test_shard_gives_every_rank_as_many_batches_and_covers_the_epoch(n_batches, size):
    batches = [f"b{i}" for i in range(n_batches)]
    shards = [distributed.shard(batches, r, size) for r in range(size)]
    assert {len(s) for s in shards} == {math.ceil(n_batches / size)}  # equal steps: no all-reduce waits forever
    assert {b for s in shards for b in s} == set(batches)
    assert shards[0][:2] == batches[0:2 * size:size][:2]  # rank r takes r, r + size, ...
    if n_batches % size == 0:
        assert sorted(b for s in shards for b in s) == sorted(batches)  # nothing padded where nothing is left over


def test_shard_wraps_the_remainder_to_the_start_and_is_identity_alone():
    assert distributed.shard(list(range(7)), 1, 2) == [1, 3, 5, 0]
    assert distributed.shard(list(range(5)), 0, 1) == list(range(5))
    assert distributed.shard([], 0, 2) == []


def test_world_reads_torchrun_variables_and_is_single_without_them(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert distributed.world() == (0, 1, 0) and distributed.is_main()
    assert distributed.broadcast("x") == "x"  # no process group: the value itself
    distributed.finish()  # a no-op alone
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert distributed.world() == (1, 2, 1) and not distributed.is_main()


def test_importing_the_helpers_imports_no_torch():
    code = "import sys, actorstance.distributed, actorstance.training; print('torch' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT / "src")), timeout=60)
    assert proc.stdout.strip() == "False", proc.stderr


def _shape(value):
    """Keys and list lengths, not values: what a single-process run and a torchrun run share."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return None


@pytest.mark.slow
def test_torchrun_two_cpu_processes_train_one_model(tmp_path, tiny_jsonl, tiny_bert_dir):
    pytest.importorskip("torch")
    from conftest import compose

    from actorstance.training import run

    model = ["model=transformer", f"model.pretrained={tiny_bert_dir}", "model.batch_size=2", "model.epochs=2",
             "model.max_length=64", "model.progress=false"]
    overrides = tiny_overrides(tmp_path, tiny_jsonl) + model
    env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "TORCHELASTIC_RUN_ID"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           str(ROOT / "train.py"), *overrides], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.count("(seed 0): dev macro-F1") == 1  # rank 0 reports, the other rank is quiet

    assert sorted(p.name for p in tmp_path.iterdir()) == ["models", "outputs", "tiny.jsonl"]  # no stray folders
    runs = list((tmp_path / "outputs").iterdir())
    assert len(runs) == 1
    out = runs[0]
    assert (out / "metrics.json").is_file() and (out / "model" / "meta.json").is_file()
    assert (out / ".hydra" / "config.yaml").is_file()
    models = tmp_path / "models"
    published = [p.name for p in models.iterdir() if p.name != "LATEST"]
    assert len(published) == 1 and (models / "LATEST").read_text().strip() == published[0]

    # each rank did half of each epoch's batches (train.log gathers both ranks' lines)
    shares = {int(m[1]): (int(m[2]), int(m[3])) for m in
              re.finditer(r"rank (\d) of 2: (\d+) of the epoch's (\d+) batches", (out / "train.log").read_text())}
    assert set(shares) == {0, 1}
    for mine, total in shares.values():
        assert total >= 4 and mine == math.ceil(total / 2)
    summary = json.loads((out / "model" / "training_log.json").read_text())[-1]
    assert summary["world_size"] == 2 and summary["batches_per_epoch_per_rank"] == shares[0][0]
    assert summary["steps"] == 2 * shares[0][0]  # 2 epochs of per-rank steps

    # the same keys and shapes as a single-process run of the same configuration
    single = run(compose(tiny_overrides(tmp_path / "single", tiny_jsonl) + model), tmp_path / "single" / "run")
    metrics = json.loads((out / "metrics.json").read_text())
    assert _shape(metrics) == _shape(json.loads(json.dumps(single)))
    assert metrics["dev"]["n"] == single["dev"]["n"] and metrics["n_train"] == single["n_train"]


def test_run_dir_resolvers_alone_and_picklable_for_joblib_workers(monkeypatch):
    import pickle

    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert re.fullmatch(rf"\d{{4}}-\d\d-\d\d_\d\d-\d\d-\d\d-{os.getpid()}", distributed.run_stamp())
    assert distributed.main_only(".hydra") == ".hydra"
    # the joblib launcher ships OmegaConf's resolvers to its worker processes by pickling them
    assert pickle.loads(pickle.dumps(distributed.run_stamp)) is distributed.run_stamp
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert distributed.main_only(".hydra") is None
