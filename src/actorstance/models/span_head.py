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
  they are not both in the sentence, or touch): the words that relate them.

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


class SpanPoolingClassifier(torch.nn.Module):
    """``forward(input_ids, attention_mask, sentence_row, actor_row, actor_start, actor_end,
    target_row, target_start, target_end, name_ids, name_mask[, token_type_ids]) -> logits``
    (one row per pair)."""

    def __init__(self, model, n_labels: int, between: bool = False):
        super().__init__()
        self.between = between
        self.encoder = model.base_model  # the encoder of a *ForSequenceClassification (shared weights)
        hidden = model.config.hidden_size
        self.dropout = torch.nn.Dropout(getattr(model.config, "hidden_dropout_prob", None) or 0.1)
        self.hidden = torch.nn.Linear((5 if between else 4) * hidden, hidden)
        self.out = torch.nn.Linear(hidden, n_labels)

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
        pair = torch.cat(parts, dim=-1)
        return self.out(self.dropout(torch.nn.functional.gelu(self.hidden(self.dropout(pair)))))

    def head_state(self) -> dict[str, torch.Tensor]:
        """The head's own weights (the encoder is saved with the Hugging Face model)."""
        return {f"{name}.{k}": v.detach().contiguous() for name in ("hidden", "out")
                for k, v in getattr(self, name).state_dict().items()}

    def load_head_state(self, state: dict[str, torch.Tensor]) -> None:
        for name in ("hidden", "out"):
            getattr(self, name).load_state_dict({k.split(".", 1)[1]: v for k, v in state.items()
                                                 if k.startswith(name + ".")})
