"""A classifier that reads the encoder at the actor and target markers, not at [CLS] alone.

Relation classifiers with entity markers do best when they classify from the output vectors
at the markers (Baldini Soares et al. 2019, "Matching the Blanks"; Zhou & Chen 2021): the
vector at ``[A]`` has attended to the whole sentence from the actor's point of view, the one
at ``[T]`` from the target's. This head concatenates the outputs at [CLS], the first ``[A]``
and the first ``[T]`` and maps them to the labels with one linear layer. An example without
an actor marker (the writer as actor, or a mention not found in the text) reads [CLS] in that
slot. ``sentence="mean"`` puts the mean of all token outputs in the [CLS] slot: encoders trained
as sentence-transformers (the default all-MiniLM-L6-v2) were trained to pool that way, and
their [CLS] output was never trained for anything. The positions come from the input ids
inside ``forward``, so the module exports to ONNX as it is.
"""

from __future__ import annotations

import torch


class MarkerPoolingClassifier(torch.nn.Module):
    """``forward(input_ids, attention_mask, token_type_ids=None) -> logits`` from [CLS] (or the mean), [A] and [T]."""

    def __init__(self, model, actor_id: int, target_id: int, n_labels: int, sentence: str = "cls"):
        super().__init__()
        self.sentence = sentence
        self.encoder = model.base_model  # the encoder of a *ForSequenceClassification (shared weights)
        self.actor_id, self.target_id = int(actor_id), int(target_id)
        hidden = model.config.hidden_size
        self.dropout = torch.nn.Dropout(getattr(model.config, "hidden_dropout_prob", None) or 0.1)
        self.linear = torch.nn.Linear(3 * hidden, n_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state

        def at(token_id: int) -> torch.Tensor:
            position = (input_ids == token_id).float().argmax(dim=1)  # first match; 0 ([CLS]) when absent
            return hidden.gather(1, position[:, None, None].expand(-1, 1, hidden.shape[-1])).squeeze(1)

        if self.sentence == "mean":
            mask = attention_mask[:, :, None].to(hidden.dtype)
            whole = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        else:
            whole = hidden[:, 0]
        pooled = torch.cat([whole, at(self.actor_id), at(self.target_id)], dim=-1)
        return self.linear(self.dropout(pooled))

    def head_state(self) -> dict[str, torch.Tensor]:
        """The head's own weights (the encoder is saved with the Hugging Face model)."""
        return {f"linear.{k}": v.detach().contiguous() for k, v in self.linear.state_dict().items()}

    def load_head_state(self, state: dict[str, torch.Tensor]) -> None:
        self.linear.load_state_dict({k.removeprefix("linear."): v for k, v in state.items()})
