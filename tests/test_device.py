"""model.device: where torch trains and predicts (a GPU only where torch sees one)."""

import pytest

torch = pytest.importorskip("torch")

from actorstance.errors import ConfigError  # noqa: E402
from actorstance.models.transformer import TransformerStanceModel  # noqa: E402


def test_auto_is_the_cpu_without_a_gpu_and_the_gpu_with_one():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert TransformerStanceModel(device="auto")._torch_device().type == expected
    assert TransformerStanceModel(device="cpu")._torch_device().type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is here")
def test_asking_for_a_gpu_that_is_not_there_is_a_clear_error():
    with pytest.raises(ConfigError, match="model.device=cuda: torch sees no CUDA GPU"):
        TransformerStanceModel(device="cuda")._torch_device()


def test_an_unknown_device_names_the_choices():
    with pytest.raises(ConfigError, match="use auto, cpu or cuda"):
        TransformerStanceModel(device="gpu-please")._torch_device()
