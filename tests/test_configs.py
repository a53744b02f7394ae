"""Every config composes, and every model config instantiates."""

from __future__ import annotations

import pytest
from hydra.utils import instantiate

from conftest import ROOT, compose

MODELS = sorted(p.stem for p in (ROOT / "configs" / "model").glob("*.yaml"))
DATAS = sorted(p.stem for p in (ROOT / "configs" / "data").glob("*.yaml"))
EXPERIMENTS = sorted(p.stem for p in (ROOT / "configs" / "experiment").glob("*.yaml"))


@pytest.mark.parametrize("model", MODELS)
def test_model_configs_instantiate(model):
    cfg = compose([f"model={model}"])
    m = instantiate(cfg.model)
    assert m.family == model.split("_")[0] or hasattr(m, "fit")


@pytest.mark.parametrize("data", DATAS)
def test_data_configs_compose(data):
    cfg = compose([f"data={data}"])
    assert cfg.data.name and "train" in cfg.data


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_configs_compose(experiment):
    cfg = compose([f"experiment={experiment}"])
    assert cfg.model._target_.startswith("actorstance.")
