"""Fine-tuning :class:`~.transformer.TransformerStanceModel`: the run's state in small classes
instead of closures over ``fit``'s locals, so each step of the loop has a name.

:class:`TrainingRun` holds one run (network on its device, encoded batches, optimizer and
schedule, counters) and its loop; :class:`DevEvaluation` the dev scoring with early stopping
and the best weights; :class:`WeightAverage` the moving average of the weights (``ema``).
:class:`FineTuningMixin` keeps the model-level pieces: parameter groups and the R-Drop loss.
Torch is imported inside the functions: importing the model must stay cheap.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import random
import re
import time
from typing import NamedTuple

import numpy as np

from .. import LABEL2ID, LABELS, distributed
from .threads import n_threads
from .transformer_inputs import sentence_groups

log = logging.getLogger(__name__)


#: The label id of an unlabeled training record (``data.unlabeled``): ignored by the gold losses.
UNLABELED = -100


def class_weights(labels: np.ndarray, mode: str | None) -> np.ndarray | None:
    """Loss weight per label id. balanced: n / (classes * count), as scikit-learn's; sqrt: its
    square root, a milder push toward rare classes; None: no weights."""
    if not mode:
        return None
    counts = np.bincount(labels, minlength=len(LABELS)).astype(float)
    balanced = np.where(counts > 0, len(labels) / (len(LABELS) * np.maximum(counts, 1)), 1.0)
    return (np.sqrt(balanced) if mode == "sqrt" else balanced).astype(np.float32)


def start_torch(threads: int | None, seed: int, world_size: int) -> random.Random:
    """Torch's threads and seed for a run; the returned generator shuffles its batches.
    torchrun's processes share the machine's cores (unless ``threads`` says otherwise)."""
    import torch

    local_size = int(os.environ.get("LOCAL_WORLD_SIZE", world_size))
    torch.set_num_threads(threads or max(1, n_threads() // local_size))
    torch.manual_seed(seed)
    return random.Random(seed)


def state_copy(net) -> dict:
    """A detached copy of ``net``'s weights (the best so far, or the ones swapped out for a while)."""
    return {k: v.detach().clone() for k, v in net.state_dict().items()}


class StepPlan(NamedTuple):
    """Batches and optimizer steps per epoch of one rank: each takes every ``world_size``-th
    batch of the epoch's shared order (:func:`~actorstance.distributed.shard`)."""

    all_batches: int
    batches_per_epoch: int
    steps_per_epoch: int
    total_steps: int
    warmup_steps: int

    @classmethod
    def of(cls, n_examples: int, batch_size: int, world_size: int, grad_accum: int, epochs: int,
           warmup: float) -> "StepPlan":
        all_batches = math.ceil(n_examples / batch_size)
        batches_per_epoch = math.ceil(all_batches / world_size)
        steps_per_epoch = math.ceil(batches_per_epoch / grad_accum)
        total_steps = steps_per_epoch * epochs
        warmup_steps = int(warmup * total_steps) if warmup < 1 else int(warmup)  # a share, or a count
        return cls(all_batches, batches_per_epoch, steps_per_epoch, total_steps, warmup_steps)


def adamw_with_warmup(groups: list[dict], lr: float, plan: StepPlan):
    """AdamW (fused where this build has the kernels) and its schedule: linear warmup over
    ``plan.warmup_steps``, then linear decay to 0 at ``plan.total_steps``."""
    import torch

    try:
        optimizer = torch.optim.AdamW(groups, lr=lr, fused=True)
    except (RuntimeError, TypeError):  # fused kernels missing for this device or build
        optimizer = torch.optim.AdamW(groups, lr=lr)
    warmup_steps, total_steps = plan.warmup_steps, plan.total_steps
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: (s + 1) / max(1, warmup_steps) if s < warmup_steps
                                                  else max(0.0, (total_steps - s) / max(1, total_steps - warmup_steps)))
    return optimizer, scheduler


class WeightAverage:
    """A moving average of the weights, scored and kept in their place (steadier than the last step's)."""

    def __init__(self, net, decay: float):
        self.net, self.decay = net, decay
        self.state = state_copy(net)

    def update(self, step: int) -> None:
        """Fold in the weights after optimizer step ``step``."""
        import torch

        decay = min(self.decay, (1 + step) / (10 + step))  # short memory at first: the start is no model yet
        with torch.no_grad():
            for k, v in self.net.state_dict().items():
                (self.state[k].lerp_(v, 1 - decay) if v.is_floating_point() else self.state[k].copy_(v))

    @contextlib.contextmanager
    def applied(self):
        """The averaged weights in the network for a while (to score them), the trained ones back after."""
        current = state_copy(self.net)
        self.net.load_state_dict(self.state)
        try:
            yield
        finally:
            self.net.load_state_dict(current)


class DevEvaluation:
    """Dev macro-F1 during training, the best weights so far and when to stop: the state early
    stopping carries from one evaluation to the next. Every rank keeps it alike (rank 0 scores,
    the others take its score), so all stop together."""

    def __init__(self, model, records: list[dict], net, average: WeightAverage | None, rank: int, started: float):
        self.model, self.net, self.average, self.rank, self.started = model, net, average, rank, started
        self.gold = [ex["label"] for ex in records]
        self.feats = model._encode(records)
        self.best_f1, self.best_step = -1.0, 0
        self.best_state: dict | None = None
        self.since_best = 0

    @property
    def stop(self) -> bool:
        return self.since_best >= self.model.patience

    def __call__(self, epoch: float, step: int, loss: float | None) -> float:
        """Score the current weights (the averaged ones with ``ema``), log and keep them if best."""
        from ..metrics import compute

        with self.average.applied() if self.average is not None else contextlib.nullcontext():
            f1 = None
            if self.rank == 0:
                f1 = compute(self.gold, [LABELS[i] for i in self.model._logits_torch(self.feats).argmax(axis=1)])["macro_f1"]
            f1 = distributed.broadcast(f1)
            self.model.training_log_.append({"epoch": round(epoch, 3), "step": step, "loss": round(loss or 0.0, 4),
                                             "dev_macro_f1": round(f1, 4),
                                             "seconds": round(time.perf_counter() - self.started, 1)})
            log.info("epoch %.2f step %d: loss %.4f dev macro-F1 %.4f", epoch, step, loss or 0.0, f1)
            if f1 > self.best_f1:
                self.best_f1, self.best_step, self.best_state = f1, step, state_copy(self.net)
                self.since_best = 0
            else:
                self.since_best += 1
        return f1


class TrainingRun:
    """One fine-tuning run of ``model`` (its encoder already loaded): length-grouped batches,
    gradient accumulation, clipping, AdamW with warmup and decay, optional R-Drop, weight
    averaging, dev evaluations with early stopping, and DDP under torchrun."""

    def __init__(self, model, records: list[dict], dev_records: list[dict], rank: int, world_size: int,
                 teacher: np.ndarray | None = None):
        import torch
        from tqdm.auto import tqdm

        self.model, self.rank, self.world_size = model, rank, world_size
        self.teacher = teacher  # (n, 3) teacher probabilities of the training records, or None
        self.device = model._torch_device()
        self.net, self.forward = self._networks()
        self.feats = model._encode(records)
        # UNLABELED: a record of data.unlabeled, learnt from the teacher's probabilities alone
        self.labels = np.array([UNLABELED if ex["label"] is None else LABEL2ID[ex["label"]] for ex in records])
        self.lengths = [len(f["input_ids"]) for f in self.feats]
        self.sentence_ids = sentence_groups(self.feats) if model.head == "spans" else None
        self.bags = reading_bags(records) if model.best_reading else None
        if self.bags is not None and max(self.bags, default=-1) < 0:
            log.warning("model.best_reading: no training record names its pair's readings (a bag: the seesaw option "
                        "readings gives them), so it changes nothing")
            self.bags = None
        weight = class_weights(self.labels[self.labels != UNLABELED], model.class_weight)
        cross_entropy = torch.nn.CrossEntropyLoss(weight=None if weight is None else torch.from_numpy(weight).to(self.device),
                                                  label_smoothing=model.label_smoothing, ignore_index=UNLABELED)
        # a batch of unlabeled records only has no gold loss (the mean over none would be NaN)
        self.loss_fn = lambda logits, gold: cross_entropy(logits, gold) if (gold != UNLABELED).any() else logits.sum() * 0.0
        self.plan = StepPlan.of(len(records), model.batch_size, world_size, model.grad_accum, model.epochs, model.warmup)
        self.optimizer, self.scheduler = adamw_with_warmup(model._param_groups(self.net), model.lr, self.plan)
        self.step, self.seen, self.loss_ema, self.seconds = 0, 0, None, 0.0
        self.t0 = time.perf_counter()
        self.bar = tqdm(total=self.plan.total_steps, desc="fine-tuning", unit="step",
                        disable=not model.progress or rank != 0, mininterval=2.0)
        self.average = WeightAverage(self.net, model.ema) if model.ema else None
        self.dev = DevEvaluation(model, dev_records, self.net, self.average, rank, self.t0) if dev_records else None

    def _networks(self):
        """The network trained (input ids -> logits), on the training device, and what the loss
        is computed through: the same, or under torchrun its DDP wrapper. The first keeps the
        plain weights (state dicts, clipping)."""
        import torch

        from .cls_only import StockLogits

        m = self.model
        net = m.head_ if m.head_ is not None else StockLogits(m.model_)
        net.to(self.device)
        if self.world_size <= 1:
            return net, net
        # DDP averages the gradients over the ranks in backward; its constructor copies rank 0's
        # weights to all. The marker and span heads leave the HF pooler (and classifier) unused.
        forward = torch.nn.parallel.DistributedDataParallel(net, find_unused_parameters=m.head != "cls")
        torch.manual_seed(m.seed + self.rank)  # each rank its own dropout masks
        return net, forward

    def train(self, rng: random.Random) -> None:
        """The epochs, until the last one or until the dev score stops improving (``patience``
        evaluations, every ``eval_every`` optimizer steps or at each epoch's end)."""
        m, dev, per_epoch = self.model, self.dev, self.plan.batches_per_epoch
        self.forward.train()
        for epoch in range(m.epochs):
            batches = self._epoch_batches(epoch, rng)
            self.optimizer.zero_grad(set_to_none=True)
            for b, (idx, batch) in enumerate(m._batches(self.feats, batches)):
                stepping = not (b + 1) % m.grad_accum or b + 1 == per_epoch
                self._backward(idx, batch, stepping)
                if not stepping:
                    continue
                self._optimizer_step()
                if dev and m.eval_every and self.step % m.eval_every == 0 and self._evaluate(epoch + (b + 1) / per_epoch):
                    return
            if dev and not m.eval_every and self._evaluate(epoch + 1):
                return
        if dev and m.eval_every and self.step % m.eval_every:
            self._evaluate(epoch + 1)  # the steps after the last evaluation: the final weights are candidates too

    def _epoch_batches(self, epoch: int, rng: random.Random) -> list[list[int]]:
        """This rank's share of the epoch's shuffled, length-grouped batches."""
        m = self.model
        batches = distributed.shard(m._length_grouped(self.lengths, m.batch_size, rng, self.sentence_ids),
                                    self.rank, self.world_size)
        if epoch == 0 and self.world_size > 1:
            log.info("rank %d of %d: %d of the epoch's %d batches, %d optimizer steps", self.rank, self.world_size,
                     len(batches), self.plan.all_batches, self.plan.steps_per_epoch)
        return batches

    def _backward(self, idx: list[int], batch: dict, stepping: bool) -> None:
        """Loss and gradients of one batch (accumulated until the next optimizer step)."""
        import torch

        m = self.model
        inputs = {k: torch.from_numpy(v).to(self.device) for k, v in batch.items()}
        gold = torch.from_numpy(self.labels[idx]).to(self.device)
        # gradients are all-reduced on the backward before an optimizer step only
        with self.forward.no_sync() if self.world_size > 1 and not stepping else contextlib.nullcontext():
            if m.rdrop:
                loss = m._rdrop_loss(self.forward, inputs, gold, self.loss_fn)
            else:
                logits = self.forward(**inputs)
                if self.bags is not None:
                    gold = best_readings(logits, gold, [self.bags[i] for i in idx])
                if self.teacher is not None:
                    soft = torch.from_numpy(self.teacher[idx]).to(self.device)
                    loss = m._distill_loss(logits, gold, soft, self.loss_fn)
                else:
                    loss = self.loss_fn(logits, gold)
                if m.rank_weight:
                    assert self.sentence_ids is not None  # rank_weight needs head=spans (_check_params)
                    loss = loss + m.rank_weight * sentence_rank_loss(logits, gold, [self.sentence_ids[i] for i in idx])
            (loss / m.grad_accum).backward()
        self.seen += len(idx)
        self.loss_ema = loss.item() if self.loss_ema is None else 0.95 * self.loss_ema + 0.05 * loss.item()

    def _optimizer_step(self) -> None:
        import torch

        if self.model.max_grad_norm:
            torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.model.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        if self.average is not None:
            self.average.update(self.step)
        self.bar.update(1)
        best = self.dev.best_f1 if self.dev else -1.0
        self.bar.set_postfix(loss=f"{self.loss_ema:.3f}", best=f"{best:.3f}" if best >= 0 else "-")

    def _evaluate(self, epoch: float) -> bool:
        """One dev evaluation; whether to stop."""
        assert self.dev is not None  # called only with dev records
        f1 = self.dev(epoch, self.step, self.loss_ema)
        self.forward.train()
        self.bar.set_postfix(loss=f"{self.loss_ema:.3f}", dev_f1=f"{f1:.3f}", best=f"{self.dev.best_f1:.3f}")
        return self.dev.stop

    def keep_best(self) -> None:
        """The best dev weights into the network; without a dev set the averaged ones (with ``ema``),
        else the last. Left on the training device: the run's own dev/test scoring runs there too."""
        self.bar.close()
        self.seconds = time.perf_counter() - self.t0
        best = self.dev.best_state if self.dev else None
        if best is not None:
            self.net.load_state_dict(best)
        elif self.average is not None:  # no dev set: the averaged weights are the model
            self.net.load_state_dict(self.average.state)
        self.net.eval()

    def summary(self) -> dict:
        """The training log's last entry."""
        best = self.dev.best_state if self.dev else None
        return {"summary": True, "device": str(self.device),
                "best_dev_macro_f1": round(self.dev.best_f1, 4) if self.dev and best else None,
                "best_step": self.dev.best_step if self.dev else 0, "steps": self.step, "examples_seen": self.seen,
                "train_seconds": round(self.seconds, 1),
                "train_examples_per_second": round(self.seen / self.seconds, 1),
                **({"world_size": self.world_size, "batches_per_epoch_per_rank": self.plan.batches_per_epoch}
                   if self.world_size > 1 else {})}


def reading_bags(records: list[dict]) -> list[int]:
    """A pair id per record (its ``bag``: the readings of one pair at different mentions of its names,
    see :func:`~actorstance.articles.seesaw.candidate_records`), -1 for a record of no bag."""
    ids: dict[str, int] = {}
    return [ids.setdefault(r["bag"], len(ids)) if r.get("bag") else -1 for r in records]


def best_readings(logits, gold, bags: list[int]):
    """``gold`` with, of each stance-bearing pair read at several mentions, only the reading that gives
    the gold stance the highest probability kept (multiple-instance learning): in "Republicans are
    pressing Obama ..., and Obama has criticized Republicans" the stance is stated at one reading, and
    labeling the other critical too teaches the scorer to find it where it is not. The others are left
    out of the loss (the ignore index); neutral pairs keep all their readings, since prediction keeps a
    pair's least neutral one. Readings that a batch boundary splits are chosen among per batch."""
    neutral = LABEL2ID["neutral"]
    labels = gold.tolist()
    polar: dict[int, list[int]] = {}
    for i, b in enumerate(bags):
        if b >= 0 and labels[i] not in (neutral, UNLABELED):
            polar.setdefault(b, []).append(i)
    several = [rows for rows in polar.values() if len(rows) > 1]
    if not several:
        return gold
    logp = logits.detach().log_softmax(-1)
    gold = gold.clone()
    for rows in several:
        best = max(rows, key=lambda i: float(logp[i, labels[i]]))
        for i in rows:
            if i != best:
                gold[i] = UNLABELED
    return gold


def sentence_rank_loss(logits, gold, sentences: list[int]):
    """A listwise loss over each sentence's candidate pairs (those of the sentence in this batch):
    minus the log of the softmax share that its stance-bearing (supportive/critical) pairs take of
    the polar log-odds log(p_supportive + p_critical) - log(p_neutral) of all its candidates. Cross-
    entropy judges each pair alone; an article sentence has about ten candidates and usually one
    stance, and what the scorer most often gets wrong is which of them bears it. Sentences without
    a stance-bearing pair or with one candidate add nothing; the mean is over the others."""
    import torch

    neutral = LABEL2ID["neutral"]
    polar = [i for i in range(logits.shape[1]) if i != neutral]
    score = logits[:, polar].logsumexp(1) - logits[:, neutral]
    stance = gold != neutral
    labeled = (gold != UNLABELED).tolist()
    members: dict[int, list[int]] = {}
    for i, s in enumerate(sentences):
        if labeled[i]:
            members.setdefault(s, []).append(i)
    losses = []
    for rows in members.values():
        bearing = [i for i in rows if stance[i]]
        if bearing and len(bearing) < len(rows):
            losses.append(score[rows].logsumexp(0) - score[bearing].logsumexp(0))
    return torch.stack(losses).mean() if losses else logits.sum() * 0.0


class FineTuningMixin:
    """The model-level pieces of fine-tuning, which read the model's hyperparameters."""

    def _rdrop_loss(self, net, inputs: dict, gold, loss_fn):
        """R-Drop (Liang et al. 2021): the batch twice through the network, each pass with its own
        dropout; cross-entropy on both plus ``rdrop`` times the symmetric KL divergence between
        their predictions: a regulariser that keeps the dropout sub-networks agreeing."""
        import torch

        twice = {k: torch.cat([v, v]) for k, v in inputs.items()}
        first, second = net(**twice).chunk(2)
        logp, logq = first.log_softmax(-1), second.log_softmax(-1)
        kl = torch.nn.functional.kl_div
        agree = (kl(logp, logq, log_target=True, reduction="batchmean")
                 + kl(logq, logp, log_target=True, reduction="batchmean")) / 2
        return (loss_fn(first, gold) + loss_fn(second, gold)) / 2 + self.rdrop * agree

    def _teacher_proba(self, records: list[dict]) -> np.ndarray | None:
        """The ``distill_from`` model's probabilities on the training records (None without one);
        with several teachers, their mean. Each teacher is loaded, run once and dropped before
        the next one and before the student's encoder is loaded."""
        if not self.distill_from:
            return None
        import gc

        from ..errors import ConfigError, ModelLoadError
        from . import load_model, resolve_model_dir

        teachers = [self.distill_from] if isinstance(self.distill_from, str) else list(self.distill_from)
        total = np.zeros((len(records), len(LABELS)), dtype=np.float64)
        for name in teachers:
            try:
                teacher = load_model(resolve_model_dir(name))
            except ModelLoadError as exc:
                raise ConfigError(f"model.distill_from={name}: {exc}") from None
            t0 = time.perf_counter()
            total += np.asarray(teacher.predict_proba(records), dtype=np.float64)
            log.info("distilling from %s (%s): its probabilities on %d training examples in %.0f s", name,
                     teacher.family, len(records), time.perf_counter() - t0)
            del teacher
            gc.collect()
        return (total / len(teachers)).astype(np.float32)

    def _distill_loss(self, logits, gold, teacher, loss_fn):
        """Knowledge distillation (Hinton et al. 2015): ``1 - distill_weight`` times the gold
        cross-entropy plus ``distill_weight`` times the KL divergence from the teacher's probabilities
        to the student's, both softened by ``distill_temperature`` T (scaled by T**2, so that the
        soft part's gradients keep their size as T changes)."""
        import torch

        t, w = self.distill_temperature, self.distill_weight
        soft = teacher.clamp_min(1e-8).log() / t
        soft = soft - soft.logsumexp(-1, keepdim=True)  # the teacher's log-probabilities at temperature T
        kl = torch.nn.functional.kl_div((logits / t).log_softmax(-1), soft, log_target=True, reduction="batchmean")
        return (1 - w) * loss_fn(logits, gold) + w * t * t * kl

    def _param_groups(self, net) -> list[dict]:
        """AdamW groups: no weight decay on biases and norms; ``head_lr`` for the new, randomly
        started layers (the classifier, not the pretrained encoder), which learn slowly at an
        encoder's small learning rate while the encoder bends its features to a random head;
        with ``layer_decay`` < 1 each encoder layer below the top learns that much slower
        (the lower layers hold the general features worth keeping)."""
        no_decay = ("bias", "LayerNorm.weight", "layernorm", "norm.weight")
        encoder = {id(p) for p in self.model_.base_model.parameters()}
        top = int(getattr(self.model_.config, "num_hidden_layers", 0) or 0)
        groups: dict[tuple, dict] = {}
        for name, p in net.named_parameters():
            new = id(p) not in encoder
            decay = not any(k in name for k in no_decay)
            layer = re.search(r"(?:^|\.)layers?\.(\d+)\.", name)
            if new or not (layer or "embeddings" in name):
                depth = top  # the head; pooler and final norms sit above the layers
            else:
                depth = int(layer.group(1)) + 1 if layer else 0  # encoder layer i: depth i + 1, embeddings 0
            lr = (self.head_lr or self.lr) if new else self.lr * self.layer_decay ** (top - depth)
            group = groups.setdefault((new, decay, depth), {"params": [], "lr": lr,
                                                            "weight_decay": self.weight_decay if decay else 0.0})
            group["params"].append(p)
        return list(groups.values())
