# The distillation run on the GPU machine (not part of the project): an MPNet article scorer (the
# teacher: experiment=articles with all-mpnet-base-v2, batch 64), then a MiniLM student trained on
# experiment=articles exactly as the recommended scorer, plus model.distill_from=the teacher. Both are
# scored on SEESAW (the teacher on valid; the student on train-select, valid and the bundled articles,
# with its int8 copy and recheck 0.1, as minilm-hard-park). K = the kit, R = run folders.
# TEST=1 (run it in a copy of the repo: it writes results): a few examples each, only the bundled articles, on this CPU, to catch mistakes before device time is spent.
source "$(dirname "$0")/prelude.sh"
X=""
if [ "${TEST:-0}" = 1 ]; then X="--only bundled"; fi
common="experiment=articles save_to_models=false data.test=null model.progress=false model.threads=4 $lim"
T=$R/teacher
S=$R/student
E="$PY benchmarks/articles_seesaw.py"
ST="$E --run $S --name minilm-distilled --int8 --int8-recheck 0.1"
body="
  timeout 1700 $PY train.py $common model.pretrained=$K/models/${TM:-mpnet} model.int8=false model.batch_size=64 \
    hydra.run.dir=$T > $R/teacher.log 2>&1 || exit 1
  $E --run $T --name mpnet-hard-park-gpu --only seesaw --ner-processes 4 $X > $R/eval-teacher.log 2>&1 &
  timeout 1700 $PY train.py $common model.pretrained=$K/models/minilm model.distill_from=$T/model \
    hydra.run.dir=$S > $R/student.log 2>&1 || exit 2
  $ST --split train --part select --only seesaw --ner-processes 3 $X > $R/eval-select.log 2>&1 &
  $ST --only seesaw --ner-processes 3 $X > $R/eval-valid.log 2>&1 &
  $ST --only bundled > $R/eval-bundled.log 2>&1 &
  wait"
setsid nohup bash -c "( $body ); echo distill rc=\$? \$(date -u +%T) >> $R/done.txt" > "$R/distill.log" 2>&1 &
echo "started $(date -u +%T)"
