"""Files written whole or not at all: the one way this project writes an output file.

The content goes to a temporary file in the target's folder, created exclusively (``O_EXCL``
with a random name: a symlink planted at a predictable name is never followed), is flushed
and fsynced, and is renamed over the target; the folder is fsynced so that the rename
survives a crash. On any error or interrupt the temporary file is removed and the target is
untouched. Files get the usual permissions (0666 less the umask), like any other file the
user writes.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .errors import ActorstanceError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def usual_dir_mode(folder: Path) -> None:
    """Give a folder made by ``tempfile.mkdtemp`` (0700) the usual permissions (0777 less the
    umask), as the files written into it have: a published model is readable like any output."""
    os.chmod(folder, 0o777 & ~_umask())


class AtomicFile:
    """An output file open under a temporary name until :meth:`commit` (or :meth:`discard`)."""

    def __init__(self, path: str | Path, binary: bool = False):
        self.path = Path(path)
        if self.path.is_dir():
            raise ActorstanceError(f"{self.path}: is a directory; give a file name to write to")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        except (FileExistsError, NotADirectoryError):
            raise ActorstanceError(f"{self.path}: cannot write here (part of the path is a file, not a folder)") \
                from None
        except OSError as exc:
            raise ActorstanceError(f"{self.path}: cannot write here ({exc.strerror or exc})") from None
        self.tmp = Path(tmp)
        os.fchmod(fd, 0o666 & ~_umask())
        self.fh: IO = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")

    def commit(self) -> Path:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, self.path)
        fsync_dir(self.path.parent)
        return self.path

    def discard(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        self.tmp.unlink(missing_ok=True)


@contextmanager
def atomic_open(path: str | Path, binary: bool = False) -> Iterator[IO]:
    """``with atomic_open(path) as fh: fh.write(...)``: the file appears complete, or not at all."""
    out = AtomicFile(path, binary)
    try:
        yield out.fh
    except BaseException:
        out.discard()
        raise
    out.commit()


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks (model files, downloads and shard outputs)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
