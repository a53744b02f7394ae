# The device run (not part of the project): MPNet against MiniLM on one GPU, every job a real
# train.py run. K = the kit (wheels, data, fp16 encoders), R = run folders.
# TEST=1: a few examples each, on this CPU, to catch mistakes before device time is spent.
source "$(dirname "$0")/prelude.sh"
common="save_to_models=false model.progress=false model.threads=3 $lim"
chain() {  # name, then a shell script; in the background, in its own session (outlives the call)
  local name=$1; shift
  setsid nohup bash -c "$*; echo $name rc=\$? \$(date -u +%T) >> $R/done.txt" > "$R/$name.log" 2>&1 &
}
train() { echo "timeout 1700 $PY train.py $* $common"; }
A="$R/articles-mpnet"
E="$PY benchmarks/articles_seesaw.py --run $A"
chain articles-mpnet "$(train experiment=articles model.pretrained=$K/models/${AM:-mpnet} model.int8=false data.test=null hydra.run.dir=$A) && \
  ( $E --name mpnet-between-park-gpu-select --split train --part select --only seesaw --ner-processes 2 > $R/eval-select.log 2>&1 & \
    $E --name mpnet-between-park-gpu --only seesaw --ner-processes 2 > $R/eval-valid.log 2>&1 & \
    $E --name mpnet-between-park-gpu --only bundled > $R/eval-bundled.log 2>&1 & wait )"
for m in mpnet minilm; do
  N="$R/newsmtsc-$m"
  chain newsmtsc-$m "$(train data=newsmtsc model=transformer data.dev=null model.pretrained=$K/models/$m hydra.run.dir=$N) && \
    $PY -m actorstance evaluate $K/data/newsmtsc/dev_rw.jsonl --model $N/model --out $N/dev_rw.json"
  chain park-$m "$(train experiment=park2021_best model.pretrained=$K/models/$m hydra.run.dir=$R/park-$m)"
done
echo "started $(date -u +%T)"
