# Sourced by run.sh and distill.sh: where the kit (K) and the run folders (R) are, the Python to use,
# a copy of the repo that later calls' syncs leave alone, offline settings, and with TEST=1 (a dry run
# on this CPU) a few examples only ($lim).
set -u
K=${K:-/root/kit}
R=${R:-/root/runs}
PY=${PY:-python3}
mkdir -p "$R"
if [ "${TEST:-0}" != 1 ]; then
  rm -rf /root/repo && cp -r "$PWD" /root/repo && cd /root/repo
  export PYTHONPATH=/tmp/site:/root/repo/src
fi
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export ACTORSTANCE_SHARED_DATA=$K/data
lim=""
if [ "${TEST:-0}" = 1 ]; then lim="data.limit=40 model.epochs=1"; fi
