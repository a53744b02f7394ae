"""Every config composes, every model config instantiates its own family, every experiment's
overrides take effect, and a misspelt experiment is an error."""

from __future__ import annotations

import pytest
from hydra.utils import instantiate

from conftest import ROOT, compose

MODELS = sorted(p.stem for p in (ROOT / "configs" / "model").glob("*.yaml"))
DATAS = sorted(p.stem for p in (ROOT / "configs" / "data").glob("*.yaml") if not p.stem.startswith("_"))
EXPERIMENTS = sorted(p.stem for p in (ROOT / "configs" / "experiment").glob("*.yaml"))


@pytest.mark.parametrize("model", MODELS)
def test_model_configs_instantiate(model):
    cfg = compose([f"model={model}"])
    m = instantiate(cfg.model)
    from actorstance.models import model_class

    assert m.family == model and type(m) is model_class(model)


@pytest.mark.parametrize("data", DATAS)
def test_data_configs_compose(data):
    cfg = compose([f"data={data}"])
    assert cfg.data.name and "train" in cfg.data


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_configs_compose(experiment):
    import yaml
    from omegaconf import OmegaConf

    cfg = compose([f"experiment={experiment}"])
    spec = yaml.safe_load((ROOT / "configs" / "experiment" / f"{experiment}.yaml").read_text())
    for entry in spec.get("defaults", []):  # "override /model: transformer" selected that group
        if isinstance(entry, str):  # another experiment it builds on, or _self_
            continue
        for key, value in entry.items():
            group = key.split("/")[-1]
            assert compose([f"{group}={value}"])[group] == cfg[group] or group in spec
    for group in ("model", "data"):  # and each value set in the file is the composed one
        for key, value in (spec.get(group) or {}).items():
            assert OmegaConf.to_container(cfg[group], resolve=False)[key] == value, (group, key)


def test_a_misspelt_experiment_is_an_error_not_the_default_run():
    from hydra.errors import MissingConfigException

    with pytest.raises(MissingConfigException, match="no_such_thing"):
        compose(["experiment=no_such_thing"])


@pytest.mark.parametrize("data", DATAS)
def test_every_data_config_has_the_common_keys_so_each_can_be_overridden(data):
    import yaml

    base = set(yaml.safe_load((ROOT / "configs" / "data" / "_base.yaml").read_text()))
    cfg = compose([f"data={data}", "data.split_seed=3", "data.limit=5"])
    assert base <= set(cfg.data) and cfg.data.split_seed == 3 and cfg.data.limit == 5


@pytest.mark.parametrize("model", MODELS)
def test_the_newsmtsc_recipe_takes_any_model(model):
    """A data recipe sets no model-only keys, so swapping the model ("model=tfidf") instantiates."""
    cfg = compose(["experiment=newsmtsc_best", f"model={model}"])
    assert instantiate(cfg.model).family == model and cfg.data.test[0].format == "newsmtsc"
