"""Multi-process training under ``torchrun`` (PyTorch DDP), and nothing at all without it.

``torchrun --nproc_per_node N train.py ...`` starts N copies of the script with ``RANK``,
``WORLD_SIZE`` and ``LOCAL_RANK`` set; :func:`world` reads them. Without those variables
(a plain ``python train.py``) every helper here is a no-op and the training path is the
single-process one, bit for bit. Torch is imported only once a process group is needed.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from typing import Any, NamedTuple, Sequence, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class World(NamedTuple):
    rank: int
    size: int
    local_rank: int


def world() -> World:
    """This process's rank, the number of processes and its rank on this machine (0, 1, 0 alone)."""
    try:
        return World(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0)))
    except (KeyError, ValueError):
        return World(0, 1, 0)


def is_main() -> bool:
    """Whether this process writes the run's outputs (the only one, or rank 0 of several)."""
    return world().rank == 0


def init() -> World:
    """Join the process group once per process when started by torchrun (gloo for CPU tensors,
    plus NCCL for CUDA ones where CUDA is available); a no-op alone. Returns :func:`world`."""
    w = world()
    if w.size > 1:
        import torch
        import torch.distributed as dist

        if not dist.is_initialized():
            cuda = torch.cuda.is_available()
            if cuda:
                torch.cuda.set_device(w.local_rank)
            dist.init_process_group(backend="cpu:gloo,cuda:nccl" if cuda else "gloo")
            log.info("rank %d of %d joined the process group (%s)", w.rank, w.size, dist.get_backend())
    return w


def _group_ready() -> bool:
    if world().size < 2:
        return False
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized()


def shard(batches: Sequence[T], rank: int, size: int) -> list[T]:
    """Rank ``rank``'s batches of an epoch's shared order: ``rank, rank + size, ...``, padded by
    wrapping to the start so every rank takes ``ceil(len / size)`` of them (as PyTorch's
    DistributedSampler): equal step counts, or the gradient all-reduce would wait forever."""
    if size < 2:
        return list(batches)
    if not batches:
        return []
    per_rank = -(-len(batches) // size)
    return [batches[(rank + k * size) % len(batches)] for k in range(per_rank)]


def broadcast(value: Any, join: bool = False) -> Any:
    """Rank 0's ``value`` on every rank (a picklable object; ``join``: joining the process group
    first if need be); alone, ``value`` itself."""
    if join:
        init()
    if not _group_ready():
        return value
    import torch.distributed as dist

    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def finish() -> None:
    """Wait for every rank (rank 0 writes the outputs meanwhile), then leave the process group."""
    if not _group_ready():
        return
    import torch.distributed as dist

    t0 = time.perf_counter()
    dist.barrier()
    log.debug("rank %d waited %.1f s at the final barrier", world().rank, time.perf_counter() - t0)
    dist.destroy_process_group()


@functools.cache
def run_stamp() -> str:
    """``DATE-PID`` that names a run directory (train.py's Hydra resolver): runs started in the
    same second get their own. Under torchrun every rank takes rank 0's (each has its own clock
    reading and pid), so all write to one directory; that joins the process group early, before
    Hydra makes the folder."""
    stamp = f"{time.strftime('%Y-%m-%d_%H-%M-%S')}-{os.getpid()}"
    return broadcast(stamp, join=True) if world().size > 1 else stamp


def main_only(value: T) -> T | None:
    """``value`` on rank 0 (or alone), None on the other ranks (train.py's Hydra resolver: only
    rank 0 saves the config copy ``.hydra/``)."""
    return value if is_main() else None
