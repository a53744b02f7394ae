"""A pair classifier that reads each sentence once, however many pairs it holds.

The marker heads (:mod:`.marker_head`) encode a sentence once per (actor, target) pair, since
the markers differ per pair. An article sentence holds about ten candidate pairs (SEESAW), so
the encoder runs about ten times per sentence. This head encodes the plain sentence once and reads
each pair from it, as span-based relation extractors do (Lee et al. 2017; Zhong & Chen 2021,
"PURE", whose approximate model shares one encoding between all pairs of a sentence):

- the actor and the target are the means of the encoder's outputs over their tokens;
- a mention that is not in the sentence (a quote's speaker, the article's subject) is the
  mean over the tokens of its name, encoded on its own (names are short, and shared too);
- the pair is ``[sentence mean, actor, target, actor * target]`` through one hidden layer;
  with ``between=True`` also the mean over the tokens between the two mentions (zeros where
  they are not both in the sentence, or touch): the words that relate them;
- with ``attention=True`` also a pair's own summary of its sentence: attention over the
  sentence's tokens, asked by the pair (a query from actor and target) and biased by each
  token's distance to the actor and to the target (before, inside, after; buckets 1, 2, 4, ...
  32 tokens). The sentence mean is the same for every pair of a sentence, so it carries the
  sentence's tone to bystanders; this lets each pair read the words that concern it (the
  commonest error on SEESAW is the wrong pair of a stance-bearing sentence). It starts as the
  plain mean (a query of zeros).

A batch holds ``S`` unique sentences and ``N`` unique names (two padded tensors, so a name of
four tokens is not padded to the longest sentence: in SEESAW prediction batches names are a
third of the sequences) and ``P`` pairs; each pair says which sequence its sentence, actor and
target come from (``*_row``: a sentence, or ``-1 - k`` for the name ``k``) and which tokens
(``*_start`` to ``*_end``). A span's mean is a difference of running sums over its sequence,
so a pair costs a few vectors, not a copy of its sentence's outputs. All positions are
tensors, so the module exports to ONNX.
"""

from __future__ import annotations

import torch

Span = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # a mention's (row, start, end) per pair


class SpanPoolingClassifier(torch.nn.Module):
    """``forward(input_ids, attention_mask, sentence_row, actor_row, actor_start, actor_end,
    target_row, target_start, target_end, name_ids, name_mask[, token_type_ids]) -> logits``
    (one row per pair)."""

    #: distance buckets: 0 inside the span, +-1..+-6 after / before it (1, 2-3, 4-7, 8-15, 16-31, 32+), 13 no span
    DISTANCE_BUCKETS = 14

    def __init__(self, model, n_labels: int, between: bool = False, attention: bool = False):
        super().__init__()
        self.between, self.attention = between, attention
        self.encoder = model.base_model  # the encoder of a *ForSequenceClassification (shared weights)
        hidden = model.config.hidden_size
        self.dropout = torch.nn.Dropout(getattr(model.config, "hidden_dropout_prob", None) or 0.1)
        self.hidden = torch.nn.Linear((4 + between + attention) * hidden, hidden)
        self.out = torch.nn.Linear(hidden, n_labels)
        if attention:
            self.query = torch.nn.Linear(2 * hidden, hidden)
            self.key = torch.nn.Linear(hidden, hidden)  # its bias cancels in the softmax (see _attend)
            self.actor_distance = torch.nn.Embedding(self.DISTANCE_BUCKETS, 1)
            self.target_distance = torch.nn.Embedding(self.DISTANCE_BUCKETS, 1)
            for layer in (self.query, self.actor_distance, self.target_distance):
                torch.nn.init.zeros_(layer.weight)  # uniform attention at first: the sentence mean
            torch.nn.init.zeros_(self.query.bias)

    @property
    def _head_layers(self) -> tuple[str, ...]:
        extra = ("query", "key", "actor_distance", "target_distance") if self.attention else ()
        return ("hidden", "out") + extra

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, sentence_row: torch.Tensor,
                actor_row: torch.Tensor, actor_start: torch.Tensor, actor_end: torch.Tensor,
                target_row: torch.Tensor, target_start: torch.Tensor, target_end: torch.Tensor,
                name_ids: torch.Tensor, name_mask: torch.Tensor,
                token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state
        mask = attention_mask.to(states.dtype)[:, :, None]
        means = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)  # one per sentence
        names = self.encoder(input_ids=name_ids, attention_mask=name_mask).last_hidden_state
        # running sums with a zero in front: the sum over tokens [lo, hi) is sums[hi] - sums[lo]
        sums = torch.cat([torch.zeros_like(states[:, :1]), states], dim=1).cumsum(dim=1)
        name_sums = torch.cat([torch.zeros_like(names[:, :1]), names], dim=1).cumsum(dim=1)

        def pool(rows: torch.Tensor, start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
            in_sentence = rows >= 0  # else the name -row - 1 (no shapes in the graph: it exports as is)
            zero = torch.zeros_like(rows)
            pick = lambda a, b: torch.where(in_sentence, a, b)  # noqa: E731
            s_row, s_start, s_end = pick(rows, zero), pick(start, zero), pick(end, zero)
            n_row, n_start, n_end = pick(zero, -rows - 1), pick(zero, start), pick(zero, end)
            total = torch.where(in_sentence[:, None], sums[s_row, s_end] - sums[s_row, s_start],
                                name_sums[n_row, n_end] - name_sums[n_row, n_start])
            return total / (end - start).clamp(min=1).to(states.dtype)[:, None]

        sentence = means.index_select(0, sentence_row)
        actor, target = pool(actor_row, actor_start, actor_end), pool(target_row, target_start, target_end)
        parts = [sentence, actor, target, actor * target]
        if self.between:
            start, end = torch.minimum(actor_end, target_end), torch.maximum(actor_start, target_start)
            inside = (actor_row >= 0) & (target_row >= 0) & (end > start)
            zero = torch.zeros_like(start)
            parts.append(pool(sentence_row, torch.where(inside, start, zero), torch.where(inside, end, zero)))
        if self.attention:
            parts.append(self._attend(states, attention_mask, sentence_row, actor, target,
                                      (actor_row, actor_start, actor_end), (target_row, target_start, target_end)))
        pair = torch.cat(parts, dim=-1)
        return self.out(self.dropout(torch.nn.functional.gelu(self.hidden(self.dropout(pair)))))

    def _distance_bucket(self, rows: torch.Tensor, start: torch.Tensor, end: torch.Tensor,
                         positions: torch.Tensor) -> torch.Tensor:
        """(pairs, tokens) bucket of each token's distance to a span (comparisons only: exports to ONNX)."""
        start, end = start[:, None], end[:, None]
        after, before = positions >= end, positions < start
        gap = torch.where(after, positions - end + 1, torch.where(before, start - positions, torch.zeros_like(positions)))
        size = sum((gap >= 2 ** k).long() for k in range(6))  # 0 inside, 1..6 by powers of two
        signed = torch.where(before, -size, size) + 6
        return torch.where((rows >= 0)[:, None], signed, torch.full_like(signed, self.DISTANCE_BUCKETS - 1))

    def _attend(self, states: torch.Tensor, attention_mask: torch.Tensor, sentence_row: torch.Tensor, actor: torch.Tensor,
                target: torch.Tensor, actor_span: Span, target_span: Span) -> torch.Tensor:
        """Each pair's attention-weighted mean of its sentence's token outputs."""
        tokens = states.index_select(0, sentence_row)  # (pairs, length, hidden)
        query = self.query(torch.cat([actor, target], dim=-1))
        # key(h) . q = h . (W_k^T q) + b_k . q, and the last term is the same for every token: the query is turned
        # back instead of every token projected (a pair's tokens are copies of its sentence's)
        scores = torch.bmm(tokens, (query @ self.key.weight)[:, :, None])[:, :, 0] / query.shape[-1] ** 0.5
        positions = torch.cumsum(torch.ones_like(attention_mask[:1]), dim=1)[0] - 1  # 0..length-1, as a tensor
        positions = positions[None, :].expand(tokens.shape[0], -1)
        scores = scores + self.actor_distance(self._distance_bucket(*actor_span, positions))[:, :, 0] \
            + self.target_distance(self._distance_bucket(*target_span, positions))[:, :, 0]
        mask = attention_mask.index_select(0, sentence_row) > 0
        weights = torch.softmax(scores.masked_fill(~mask, -1e4), dim=-1)
        return torch.bmm(weights[:, None, :].to(tokens.dtype), tokens)[:, 0]

    def head_state(self) -> dict[str, torch.Tensor]:
        """The head's own weights (the encoder is saved with the Hugging Face model)."""
        return {f"{name}.{k}": v.detach().contiguous() for name in self._head_layers
                for k, v in getattr(self, name).state_dict().items()}

    def load_head_state(self, state: dict[str, torch.Tensor]) -> None:
        for name in self._head_layers:
            getattr(self, name).load_state_dict({k.split(".", 1)[1]: v for k, v in state.items()
                                                 if k.startswith(name + ".")})
