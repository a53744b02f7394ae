# On the device machine: join the kit's pieces, install the wheels it lacks, restore fp32 encoders.
set -e
K=${K:-/root/kit}
if ls $K/piece.* > /dev/null 2>&1; then cat $K/piece.* | tar xf - -C $K && rm $K/piece.*; fi
for t in $K/extra*.tar; do [ -f "$t" ] && tar xf "$t" -C $K && rm "$t"; done
if [ "${WHL:-1}" = 1 ] && [ -d $K/whl ]; then python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site $K/whl/*.whl; fi
${PY:-python3} - <<PYEOF
from pathlib import Path
from safetensors.torch import load_file, save_file
for d in Path("$K/models").iterdir():
    half = d / "model.safetensors.fp16"
    if half.is_file():
        sd = load_file(half)
        save_file({k: v.float() if v.is_floating_point() else v for k, v in sd.items()}, d / "model.safetensors", metadata={"format": "pt"})
        half.unlink()
        print(d.name, len(sd), "tensors in fp32")
PYEOF
