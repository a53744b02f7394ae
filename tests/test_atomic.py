"""The one atomic-write helper: whole files or nothing, never through a planted symlink, clear
errors for paths that cannot be written; run directories and publishing that do not collide."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from actorstance.atomic import AtomicFile, atomic_open
from actorstance.errors import ActorstanceError


def test_a_file_appears_whole_or_not_at_all(tmp_path):
    out = tmp_path / "sub" / "out.txt"
    with atomic_open(out) as fh:
        fh.write("first\n")
        assert not out.exists()  # nothing under the real name while writing
    assert out.read_text() == "first\n"
    with pytest.raises(RuntimeError):
        with atomic_open(out) as fh:
            fh.write("half")
            raise RuntimeError("interrupted")
    assert out.read_text() == "first\n" and sorted(p.name for p in out.parent.iterdir()) == ["out.txt"]
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_planted_symlink_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    for pid in range(os.getpid() - 2, os.getpid() + 3):  # the old predictable names
        (tmp_path / f".out.txt.tmp-{pid}").symlink_to(victim)
    with atomic_open(tmp_path / "out.txt") as fh:
        fh.write("new")
    assert victim.read_text() == "keep me" and (tmp_path / "out.txt").read_text() == "new"


@pytest.mark.parametrize("where", ["a directory", "under a file"])
def test_unwritable_targets_are_named(tmp_path, where):
    target = tmp_path if where == "a directory" else tmp_path / "file.txt" / "out.json"
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ActorstanceError, match="out.json: cannot write here|is a directory"):
        AtomicFile(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


def test_publishing_takes_the_next_free_name_and_points_latest_at_it(tmp_path):
    from actorstance.training import publish_model

    model = tmp_path / "run" / "model"
    model.mkdir(parents=True)
    (model / "meta.json").write_text("{}")
    models = tmp_path / "models"
    first = publish_model(model, models, "m")
    second = publish_model(model, models, "m")
    assert (first.name, second.name) == ("m", "m-2")
    assert (models / "LATEST").read_text() == "m-2\n"
    assert sorted(p.name for p in models.iterdir()) == ["LATEST", "m", "m-2"]  # no temporary left



@pytest.mark.parametrize("data_name", ["team/news", "../../escape", "..", "a b"])
def test_a_data_name_cannot_steer_where_a_model_is_published(tmp_path, tiny_jsonl, data_name):
    from conftest import compose

    from actorstance.training import run

    models = tmp_path / "models"
    cfg = compose([f"data.train={tiny_jsonl}", "data.dev=null", "data.test=null", "data.dev_fraction=0.3",
                   f"models_dir={models}", f"data.name='{data_name}'"])
    published = Path(run(cfg, tmp_path / "run")["published_model"])
    assert published.parent == models and "/" not in published.name and not published.name.startswith(".")
    assert (models / (models / "LATEST").read_text().strip() / "meta.json").is_file()


def test_published_models_have_the_usual_permissions(tmp_path):
    from actorstance.training import publish_model

    model = tmp_path / "run" / "model"
    model.mkdir(parents=True)
    (model / "meta.json").write_text("{}")
    published = publish_model(model, tmp_path / "models", "m")
    mask = os.umask(0)
    os.umask(mask)
    assert published.stat().st_mode & 0o777 == 0o777 & ~mask
    assert (published / "meta.json").stat().st_mode & 0o777 == 0o666 & ~mask


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_killed_writers_are_swept_by_the_next_writer(tmp_path):
    """A temporary name carries its writer's process id; the next write into the folder removes
    those whose process is gone and that nobody touched for ten minutes, and nothing else."""
    from actorstance.atomic import LEFTOVER_AGE_S
    from actorstance.training import publish_model

    dead, old = _dead_pid(), os.path.getmtime(tmp_path) - LEFTOVER_AGE_S - 60
    models = tmp_path / "models"
    models.mkdir()
    stale_file = models / f".LATEST.tmp-{dead}-abc"
    stale_dir = models / f".m.tmp-{dead}-xyz"
    stale_dir.mkdir()
    (stale_dir / "model.safetensors").write_text("half a model")
    recent = models / f".other.tmp-{dead}-new"  # may be another machine's writer: too young to judge
    running = models / f".mine.tmp-{os.getpid()}-abc"
    unrelated = models / ".notes.tmp"
    for p in (stale_file, recent, running, unrelated):
        p.write_text("x")
    for p in (stale_file, stale_dir, running, unrelated):
        os.utime(p, (old, old))
    model = tmp_path / "run" / "model"
    model.mkdir(parents=True)
    (model / "meta.json").write_text("{}")
    publish_model(model, models, "m")
    assert sorted(p.name for p in models.iterdir()) == sorted(["LATEST", "m", recent.name, running.name,
                                                               unrelated.name])
