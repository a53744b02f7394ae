"""How many CPU threads torch and ONNX Runtime may use: shared by training, prediction and the
ONNX sessions, so it sits apart from all three."""

from __future__ import annotations

import os


def n_threads(requested: int | None = None) -> int:
    """``requested`` torch threads, or all cores this process may use."""
    if requested:
        return int(requested)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (macOS, Windows)
        return os.cpu_count() or 1
